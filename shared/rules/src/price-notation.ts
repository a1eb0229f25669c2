import { assetClassOf } from "./asset-class.ts";

/**
 * How a symbol's prices are written, the one rule for every message and picture: stocks and crypto in dollars,
 * cents from a dollar up and more digits below one (penny stocks, small coins), so a move still shows; a currency
 * pair as a bare rate to the pip, and its tenth when the rate has one (EUR/USD 1.0842, USD/JPY 150.23): its quote
 * currency is seldom the dollar, and cents would hide every move. `symbol` null: an amount of dollars that is no
 * symbol's price (an earnings estimate).
 */
export interface PriceNotation {
  sign: string;
  minDigits: number;
  maxDigits: number;
}

export function priceNotation(symbol: string | null, scale: number): PriceNotation {
  if (symbol !== null && assetClassOf(symbol) === "forex") {
    // A pair quoted in yen moves in hundredths; the others in ten-thousandths.
    return symbol.toUpperCase().endsWith("JPY")
      ? { sign: "", minDigits: 2, maxDigits: 3 }
      : { sign: "", minDigits: 4, maxDigits: 5 };
  }
  const digits = scale >= 1 || scale === 0 ? 2 : scale >= 0.01 ? 4 : 6;
  return { sign: "$", minDigits: digits, maxDigits: digits };
}

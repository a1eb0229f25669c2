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

/**
 * A price of `symbol` the way traders read it (priceNotation): `$190.25` for a stock, `$90,120.50` for a coin,
 * `$0.0312` below a dollar, `1.0842` for a currency pair. `scale`: the price whose precision to use (a change of a
 * price). `symbol` null: dollars that are no symbol's price. Replies, refusals and notifications all write it so.
 */
export function formatPrice(price: number, symbol: string | null, scale: number = price): string {
  const notation = priceNotation(symbol, scale);
  return `${notation.sign}${priceFormat(notation.minDigits, notation.maxDigits).format(price)}`;
}

/** One formatter per precision: toLocaleString builds a new one on every call, a tenth of a busy bot's time. */
const PRICE_FORMATS = new Map<string, Intl.NumberFormat>();
function priceFormat(minDigits: number, maxDigits: number): Intl.NumberFormat {
  const key = `${minDigits}-${maxDigits}`;
  let format = PRICE_FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: minDigits,
      maximumFractionDigits: maxDigits,
    });
    PRICE_FORMATS.set(key, format);
  }
  return format;
}

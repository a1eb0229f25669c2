/**
 * Well-known US tickers, and a few crypto and forex pairs as Finnhub writes them, with names and plausible starting
 * prices, for the simulated feed and its search.
 */
export interface SimulatedInstrument {
  symbol: string;
  description: string;
  type: "Common Stock" | "ETP" | "Crypto" | "Forex";
  /** Pairs only: how the exchange shows it (`BTC/USDT`), for search. */
  displaySymbol?: string;
  price: number;
  /** Annualised volatility used by the random walk. */
  volatility: number;
}

const STOCKS: Array<[string, string, number]> = [
  ["AAPL", "APPLE INC", 190],
  ["MSFT", "MICROSOFT CORP", 415],
  ["AMZN", "AMAZON.COM INC", 182],
  ["GOOGL", "ALPHABET INC-CL A", 168],
  ["GOOG", "ALPHABET INC-CL C", 170],
  ["META", "META PLATFORMS INC-CLASS A", 505],
  ["NVDA", "NVIDIA CORP", 122],
  ["TSLA", "TESLA INC", 245],
  ["BRK.B", "BERKSHIRE HATHAWAY INC-CL B", 420],
  ["JPM", "JPMORGAN CHASE & CO", 205],
  ["V", "VISA INC-CLASS A SHARES", 275],
  ["MA", "MASTERCARD INC - A", 460],
  ["UNH", "UNITEDHEALTH GROUP INC", 520],
  ["JNJ", "JOHNSON & JOHNSON", 155],
  ["XOM", "EXXON MOBIL CORP", 115],
  ["CVX", "CHEVRON CORP", 158],
  ["PG", "PROCTER & GAMBLE CO/THE", 165],
  ["HD", "HOME DEPOT INC", 350],
  ["KO", "COCA-COLA CO/THE", 63],
  ["PEP", "PEPSICO INC", 170],
  ["COST", "COSTCO WHOLESALE CORP", 820],
  ["WMT", "WALMART INC", 68],
  ["DIS", "WALT DISNEY CO/THE", 102],
  ["NFLX", "NETFLIX INC", 640],
  ["ADBE", "ADOBE INC", 520],
  ["CRM", "SALESFORCE INC", 270],
  ["ORCL", "ORACLE CORP", 140],
  ["INTC", "INTEL CORP", 31],
  ["AMD", "ADVANCED MICRO DEVICES", 160],
  ["QCOM", "QUALCOMM INC", 195],
  ["AVGO", "BROADCOM INC", 1400],
  ["TXN", "TEXAS INSTRUMENTS INC", 195],
  ["CSCO", "CISCO SYSTEMS INC", 48],
  ["IBM", "INTL BUSINESS MACHINES CORP", 175],
  ["MU", "MICRON TECHNOLOGY INC", 125],
  ["AMAT", "APPLIED MATERIALS INC", 210],
  ["LRCX", "LAM RESEARCH CORP", 930],
  ["NOW", "SERVICENOW INC", 760],
  ["INTU", "INTUIT INC", 640],
  ["SHOP", "SHOPIFY INC - CLASS A", 68],
  ["UBER", "UBER TECHNOLOGIES INC", 70],
  ["ABNB", "AIRBNB INC-CLASS A", 150],
  ["PYPL", "PAYPAL HOLDINGS INC", 64],
  ["SQ", "BLOCK INC", 66],
  ["COIN", "COINBASE GLOBAL INC -CLASS A", 225],
  ["PLTR", "PALANTIR TECHNOLOGIES INC-A", 24],
  ["SNOW", "SNOWFLAKE INC-CLASS A", 150],
  ["ZM", "ZOOM VIDEO COMMUNICATIONS-A", 62],
  ["SPOT", "SPOTIFY TECHNOLOGY SA", 310],
  ["BA", "BOEING CO/THE", 180],
  ["CAT", "CATERPILLAR INC", 340],
  ["DE", "DEERE & CO", 390],
  ["GE", "GENERAL ELECTRIC CO", 160],
  ["HON", "HONEYWELL INTERNATIONAL INC", 200],
  ["MMM", "3M CO", 100],
  ["LMT", "LOCKHEED MARTIN CORP", 460],
  ["RTX", "RTX CORP", 102],
  ["UPS", "UNITED PARCEL SERVICE-CL B", 145],
  ["FDX", "FEDEX CORP", 255],
  ["F", "FORD MOTOR CO", 12.5],
  ["GM", "GENERAL MOTORS CO", 45],
  ["RIVN", "RIVIAN AUTOMOTIVE INC-A", 11],
  ["NKE", "NIKE INC -CL B", 94],
  ["SBUX", "STARBUCKS CORP", 78],
  ["MCD", "MCDONALD'S CORP", 260],
  ["CMG", "CHIPOTLE MEXICAN GRILL INC", 3100],
  ["LOW", "LOWE'S COS INC", 225],
  ["TGT", "TARGET CORP", 150],
  ["BAC", "BANK OF AMERICA CORP", 39],
  ["WFC", "WELLS FARGO & CO", 59],
  ["C", "CITIGROUP INC", 62],
  ["GS", "GOLDMAN SACHS GROUP INC", 460],
  ["MS", "MORGAN STANLEY", 97],
  ["SCHW", "SCHWAB (CHARLES) CORP", 73],
  ["AXP", "AMERICAN EXPRESS CO", 235],
  ["BLK", "BLACKROCK INC", 800],
  ["PFE", "PFIZER INC", 28],
  ["MRK", "MERCK & CO. INC.", 128],
  ["ABBV", "ABBVIE INC", 165],
  ["LLY", "ELI LILLY & CO", 780],
  ["BMY", "BRISTOL-MYERS SQUIBB CO", 42],
  ["AMGN", "AMGEN INC", 300],
  ["GILD", "GILEAD SCIENCES INC", 66],
  ["MRNA", "MODERNA INC", 120],
  ["CVS", "CVS HEALTH CORP", 58],
  ["T", "AT&T INC", 17.5],
  ["VZ", "VERIZON COMMUNICATIONS INC", 40],
  ["TMUS", "T-MOBILE US INC", 165],
  ["CMCSA", "COMCAST CORP-CLASS A", 39],
  ["NEE", "NEXTERA ENERGY INC", 72],
  ["DUK", "DUKE ENERGY CORP", 100],
  ["SO", "SOUTHERN CO/THE", 75],
  ["AMT", "AMERICAN TOWER CORP", 195],
  ["PLD", "PROLOGIS INC", 110],
  ["GME", "GAMESTOP CORP-CLASS A", 23],
  ["AMC", "AMC ENTERTAINMENT HLDS-CL A", 4.8],
];

const ETFS: Array<[string, string, number]> = [
  ["SPY", "SPDR S&P 500 ETF TRUST", 530],
  ["QQQ", "INVESCO QQQ TRUST SERIES 1", 455],
  ["DIA", "SPDR DOW JONES INDUSTRIAL AVERAGE ETF", 390],
  ["IWM", "ISHARES RUSSELL 2000 ETF", 205],
  ["VTI", "VANGUARD TOTAL STOCK MKT ETF", 262],
  ["GLD", "SPDR GOLD SHARES", 215],
];

/** Crypto trades around the clock and forex through the FX week (assetClassOf and sessionAt decide). */
const CRYPTO: Array<[string, string, string, number]> = [
  ["BINANCE:BTCUSDT", "BTC/USDT", "Binance BTCUSDT", 97_000],
  ["BINANCE:ETHUSDT", "ETH/USDT", "Binance ETHUSDT", 3_600],
  ["COINBASE:BTC-USD", "BTC/USD", "Coinbase BTC-USD", 97_050],
  ["COINBASE:SOL-USD", "SOL/USD", "Coinbase SOL-USD", 230],
];

const FOREX: Array<[string, string, string, number]> = [
  ["OANDA:EUR_USD", "EUR/USD", "Oanda EUR/USD", 1.0842],
  ["OANDA:GBP_USD", "GBP/USD", "Oanda GBP/USD", 1.271],
  ["OANDA:USD_JPY", "USD/JPY", "Oanda USD/JPY", 150.2],
];

/** Higher volatility for names known for it, so the demo moves where people expect it to. */
const VOLATILE = new Set([
  "TSLA",
  "NVDA",
  "AMD",
  "COIN",
  "PLTR",
  "RIVN",
  "GME",
  "AMC",
  "MRNA",
  "SHOP",
  "SNOW",
]);

export const SIMULATED_UNIVERSE: readonly SimulatedInstrument[] = [
  ...STOCKS.map(([symbol, description, price]) => ({
    symbol,
    description,
    type: "Common Stock" as const,
    price,
    volatility: VOLATILE.has(symbol) ? 0.6 : 0.28,
  })),
  ...ETFS.map(([symbol, description, price]) => ({
    symbol,
    description,
    type: "ETP" as const,
    price,
    volatility: 0.15,
  })),
  ...CRYPTO.map(([symbol, displaySymbol, description, price]) => ({
    symbol,
    displaySymbol,
    description,
    type: "Crypto" as const,
    price,
    volatility: 0.6,
  })),
  ...FOREX.map(([symbol, displaySymbol, description, price]) => ({
    symbol,
    displaySymbol,
    description,
    type: "Forex" as const,
    price,
    volatility: 0.08,
  })),
];

export const SIMULATED_BY_SYMBOL: ReadonlyMap<string, SimulatedInstrument> = new Map(
  SIMULATED_UNIVERSE.map((i) => [i.symbol, i]),
);

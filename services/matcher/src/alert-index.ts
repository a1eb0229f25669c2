// The matcher's index: every active alert of every symbol, arranged so that a tick never scans alerts.
// Cost of a tick: O(1) when it cannot change anything (the book's quiet-zone gates), otherwise O(log n) to
// look at the heap tops plus O(log n) per alert that fires, re-arms or ends its cooldown, plus the trailing
// peak merges, which are amortised O(1) per inserted alert (see trailing-book.ts). So O((1 + k) log n).
//
// Per symbol and per trading-hours class (all hours / regular hours only) a Book holds:
//   upper      min-heap of upper levels of armed price/percent alerts: fire while level <= tick high
//   lower      min-heap of -level of lower levels: fire while level >= tick low
//   rearmBelow repeating `above` alerts past their cooldown, keyed by -band level: re-arm when low <= band
//   rearmAbove repeating `below` alerts past their cooldown, keyed by band level: re-arm when high >= band
//   cooldown   repeating alerts that fired, keyed by the end of their cooldown
//   trailing   four TrailingBooks (down/up x percent/amount), see trailing-book.ts
//   newHighs   armed new-high alerts keyed by their running high: fire while high > key (strictly)
//   newLows    armed new-low alerts keyed by -running low: fire while -low > key
//   highTracker, lowTracker  cooling new-high (new-low) alerts, whose running extreme follows every trade while
//              they cannot fire: TrailingBooks used only for their peak merges (never armed there)
//   sessionEnds session high/low alerts keyed by when their trading day ends: the first tick at or after it
//              starts their running extreme again at its own high (low), once per alert and trading day
//   studies    volume and indicator alerts, one StudyGroup per study key (`volume`, `sma50`, `rsi14:1d`): every
//              alert in a group reads the same value from the tick, so each group orders its armed alerts by
//              level (RSI) or multiple (volume) - a moving average's all share one level, the average itself -
//              and keeps its cooling ones keyed by when they may fire again. Groups are read only on ticks that
//              carry their study (a tick without it changes none of their alerts), outside the price gates.
// and the symbol keeps one min-heap of expiry times. A tick with nothing to do looks at the top of each heap.
// Alert data lives in typed arrays indexed by slot (struct of arrays) to keep a million alerts small.
//
// Processing one tick (high H = max(price, high), low L = min(price, low); see also reference in the tests):
//   1. alerts of the symbol whose expiresAt <= ts are removed and reported as expired;
//   2. for the all-hours book, and for the regular-hours book when ts is inside US regular hours:
//      a. trailing peaks rise to H (troughs fall to L) before any level is checked -- as if the window's
//         high came before its low (for `up` alerts its low before its high), the conservative reading of a
//         conflated tick: a reversal inside the window is never missed;
//      b. alerts whose cooldown ended by ts are armed (repeating above/below instead start waiting for the band);
//      c. armed alerts fire: upper levels <= H, lower levels >= L, trailing levels crossed by L (up: H);
//         a percent `move` alert hit on both sides fires once, on the upper side;
//      d. alerts waiting for the band re-arm if the window reached it; they can fire from the next tick on;
//      e. new high/low alerts: a session whose day ended starts again at this tick (before b, so it cannot fire
//         on it), armed ones beyond their extreme fire (in c), cooling ones' extremes follow H (L) last;
//      f. study groups whose value the tick carries: cooldowns that ended, firing, band re-arms (as b to d).
//   3. events are returned expirations first, then firings, each sorted by alertId.
// After firing, a one-shot alert leaves the index; a repeating one moves to generation + 1 and cools down.

import {
  type Alert,
  type AlertCondition,
  type AlertPhase,
  type AlertRuntimeState,
  type TickStudies,
  triggerIdOf,
  type VolumeStudy,
} from "@tickerbell/contracts";
import {
  type AlertRule,
  afterFiring,
  bandLevelOf,
  consistentState,
  downFactor,
  isRegularHours,
  type MinuteExtremes,
  phaseAfterCooldown,
  rearmBandLevel,
  repeatAllowedAt,
  rsiRearmLevel,
  ruleOf,
  runtimeStateOf,
  sessionEndsAt,
  studyKeyOf,
  trailingPercentFactor,
  upFactor,
  volumeReached,
  windowLowerLevel,
  windowUpperLevel,
} from "@tickerbell/rules";
import { readUuid, UuidSlotTable, writeUuidWords } from "./alert-id.ts";
import {
  BookTops,
  GATE_HIGH,
  GATE_LOW,
  GATE_TIME,
  TOP_COOLDOWN,
  TOP_HIGH_TRACKER,
  TOP_LOW_TRACKER,
  TOP_LOWER,
  TOP_NEW_HIGHS,
  TOP_NEW_LOWS,
  TOP_REARM_ABOVE,
  TOP_REARM_BELOW,
  TOP_SESSION_ENDS,
  TOP_TRACKER_FIRE_UNUSED,
  TOP_TRAILING_FAST,
  TOP_TRAILING_FIRE,
  TOP_TRAILING_PEAK,
  TOP_UPPER,
} from "./book-tops.ts";
import { IndexedMinHeap, PositionTable } from "./indexed-heap.ts";
import {
  insideQuietZone,
  LINE_ALL_HOURS,
  LINE_EXPIRY,
  LINE_REGULAR_HOURS,
  LINE_STRIDE,
  LINE_STUDY_COUNT,
  LINE_STUDY_GROUP_IDS,
  LINE_STUDY_GROUPS,
  LINE_STUDY_GROUPS_MAX,
  STUDY_GROUP_IDS,
  STUDY_SLOT,
  STUDY_SLOT_A,
  STUDY_SLOT_B,
  STUDY_SLOT_COOLDOWN_END,
  STUDY_SLOT_KEY,
  SymbolLines,
  writeQuietZone,
} from "./symbol-lines.ts";
import { recordTick, SymbolWindows, type WindowReading } from "./symbol-windows.ts";
import { advanceOnRow, TrailingBook, TrailingNodes } from "./trailing-book.ts";
import type { Expiration, Firing, FiringStudy, MatchEvent, TickInput } from "./types.ts";

// Condition codes (one byte per alert).
const ABOVE = 0;
const BELOW = 1;
const CROSS = 2;
const PERCENT_UP = 3;
const PERCENT_DOWN = 4;
const PERCENT_MOVE = 5;
const TRAIL_DOWN_PERCENT = 6;
const TRAIL_DOWN_AMOUNT = 7;
const TRAIL_UP_PERCENT = 8;
const TRAIL_UP_AMOUNT = 9;
const WINDOW_UP = 10;
const WINDOW_DOWN = 11;
const WINDOW_MOVE = 12;
const NEW_HIGH = 13;
const NEW_LOW = 14;
const VOLUME = 15;
const AVERAGE_ABOVE = 16;
const AVERAGE_BELOW = 17;
const AVERAGE_CROSS = 18;
const RSI_ABOVE = 19;
const RSI_BELOW = 20;

// Phases (one byte per alert).
const FREE = 0;
const ARMED = 1;
const COOLING = 2;
const AWAITING_BAND = 3;
const PHASE_NAMES: readonly AlertPhase[] = ["armed", "armed", "cooling", "awaitingBand"];

// Flag bits.
const FLAG_REGULAR_HOURS = 1;
const FLAG_BASIS_CLOSE = 2;
/** A new high/low alert over today's session (else the 52 weeks). */
const FLAG_SESSION = 4;
/** A moving average that is exponential (else simple). */
const FLAG_EMA = 8;
/** An RSI of hourly bars (else daily). */
const FLAG_HOURLY = 16;

// A moving-average cross's watched side (one byte per alert): which side the next firing comes from.
const WATCH_NONE = 0;
const WATCH_UPPER = 1;
const WATCH_LOWER = 2;

const NONE = Number.NaN;
/** A window group's side with no armed alert (its `upTop`/`downTop`); -1 there means "look at the heap again". */
const EMPTY_SIDE = -2;
/** Far more than roundPrice's 12 significant digits move a level: a bound this much inside it is safe. */
const LEVEL_SLACK = 1e-9;
const NO_EVENTS: readonly MatchEvent[] = Object.freeze([]);
const TRAILING_FIRE_FROM_PEAK = TOP_TRAILING_FIRE - TOP_TRAILING_PEAK;
const TRAILING_FAST_FROM_PEAK = TOP_TRAILING_FAST - TOP_TRAILING_PEAK;

function codeOf(condition: AlertCondition): number {
  switch (condition.kind) {
    case "price":
      return condition.direction === "above" ? ABOVE : condition.direction === "below" ? BELOW : CROSS;
    case "percent":
      return condition.direction === "up"
        ? PERCENT_UP
        : condition.direction === "down"
          ? PERCENT_DOWN
          : PERCENT_MOVE;
    case "trailing":
      if (condition.direction === "down")
        return condition.offset.unit === "percent" ? TRAIL_DOWN_PERCENT : TRAIL_DOWN_AMOUNT;
      return condition.offset.unit === "percent" ? TRAIL_UP_PERCENT : TRAIL_UP_AMOUNT;
    case "window":
      return condition.direction === "up"
        ? WINDOW_UP
        : condition.direction === "down"
          ? WINDOW_DOWN
          : WINDOW_MOVE;
    case "extreme":
      return condition.side === "high" ? NEW_HIGH : NEW_LOW;
    case "earnings":
      throw new Error("earnings alerts have no level and are never indexed");
    case "volume":
      return VOLUME;
    case "average":
      return condition.direction === "above"
        ? AVERAGE_ABOVE
        : condition.direction === "below"
          ? AVERAGE_BELOW
          : AVERAGE_CROSS;
    case "rsi":
      return condition.direction === "above" ? RSI_ABOVE : RSI_BELOW;
  }
}

function paramOf(condition: AlertCondition): number {
  switch (condition.kind) {
    case "price":
      return condition.target;
    case "percent":
      return condition.percent;
    case "trailing":
      return condition.offset.value;
    case "window":
      return condition.percent;
    case "extreme":
      return 0;
    case "earnings":
      throw new Error("earnings alerts have no level and are never indexed");
    case "volume":
      return condition.multiple;
    case "average":
      return condition.period;
    case "rsi":
      return condition.level;
  }
}

/** `period`: a window alert's length in seconds, an RSI's bars (the average's is its param). */
function conditionOf(code: number, param: number, flags: number, period: number): AlertCondition {
  switch (code) {
    case VOLUME:
      return { kind: "volume", multiple: param };
    case AVERAGE_ABOVE:
    case AVERAGE_BELOW:
    case AVERAGE_CROSS:
      return {
        kind: "average",
        average: flags & FLAG_EMA ? "ema" : "sma",
        period: param,
        direction: code === AVERAGE_ABOVE ? "above" : code === AVERAGE_BELOW ? "below" : "cross",
      };
    case RSI_ABOVE:
    case RSI_BELOW:
      return {
        kind: "rsi",
        direction: code === RSI_ABOVE ? "above" : "below",
        level: param,
        period,
        interval: flags & FLAG_HOURLY ? "1h" : "1d",
      };
    case NEW_HIGH:
    case NEW_LOW:
      return {
        kind: "extreme",
        side: code === NEW_HIGH ? "high" : "low",
        span: flags & FLAG_SESSION ? "session" : "52w",
      };
    case WINDOW_UP:
    case WINDOW_DOWN:
    case WINDOW_MOVE:
      return {
        kind: "window",
        direction: code === WINDOW_UP ? "up" : code === WINDOW_DOWN ? "down" : "move",
        percent: param,
        windowSeconds: period,
      };
    case ABOVE:
      return { kind: "price", direction: "above", target: param };
    case BELOW:
      return { kind: "price", direction: "below", target: param };
    case CROSS:
      return { kind: "price", direction: "cross", target: param };
    case PERCENT_UP:
    case PERCENT_DOWN:
    case PERCENT_MOVE:
      return {
        kind: "percent",
        direction: code === PERCENT_UP ? "up" : code === PERCENT_DOWN ? "down" : "move",
        percent: param,
        basis: flags & FLAG_BASIS_CLOSE ? "close" : "last",
      };
    default:
      return {
        kind: "trailing",
        direction: code === TRAIL_DOWN_PERCENT || code === TRAIL_DOWN_AMOUNT ? "down" : "up",
        offset: {
          unit: code === TRAIL_DOWN_PERCENT || code === TRAIL_UP_PERCENT ? "percent" : "amount",
          value: param,
        },
      };
  }
}

function isTrailing(code: number): boolean {
  return code >= TRAIL_DOWN_PERCENT && code <= TRAIL_UP_AMOUNT;
}

function isWindow(code: number): boolean {
  return code >= WINDOW_UP && code <= WINDOW_MOVE;
}

function isNewExtreme(code: number): boolean {
  return code === NEW_HIGH || code === NEW_LOW;
}

function isStudy(code: number): boolean {
  return code >= VOLUME && code <= RSI_BELOW;
}

/** Study alerts that wait for a band after their cooldown: moving-average above/below and RSI. */
function studyWaitsForBand(code: number): boolean {
  return code === AVERAGE_ABOVE || code === AVERAGE_BELOW || code === RSI_ABOVE || code === RSI_BELOW;
}

/** Study alerts that fire upward (the value rises to them); `below` ones fire downward, a cross on its side. */
function firesUpward(code: number): boolean {
  return code === VOLUME || code === AVERAGE_ABOVE || code === RSI_ABOVE;
}

/** The key an armed study alert waits under in its group's `up` (`down`) heap: see StudyGroup. */
function studyFireKey(code: number, param: number): number {
  if (code === VOLUME || code === RSI_ABOVE) return param;
  if (code === RSI_BELOW) return -param;
  return 0;
}

/** The key an awaiting study alert waits under in its group's rearm heap: see StudyGroup. */
function studyBandKey(code: number, param: number): number {
  if (code === RSI_ABOVE) return -rsiRearmLevel("above", param);
  if (code === RSI_BELOW) return rsiRearmLevel("below", param);
  return 0;
}

function watchCode(watch: AlertRuntimeState["watch"]): number {
  return watch === "upper" ? WATCH_UPPER : watch === "lower" ? WATCH_LOWER : WATCH_NONE;
}

function watchName(code: number): "upper" | "lower" | null {
  return code === WATCH_UPPER ? "upper" : code === WATCH_LOWER ? "lower" : null;
}

function isMirrored(code: number): boolean {
  return code === TRAIL_UP_PERCENT || code === TRAIL_UP_AMOUNT;
}

/** Urgency key of a trailing alert inside its TrailingBook (see the constructor comment there). */
function trailingKey(code: number, param: number): number {
  if (code === TRAIL_DOWN_PERCENT) return -trailingPercentFactor("down", param);
  if (code === TRAIL_UP_PERCENT) return trailingPercentFactor("up", param);
  return param;
}

interface SymbolEntry {
  symbol: string;
  allHours: Book | null;
  regularHours: Book | null;
  expiry: IndexedMinHeap | null;
  /** The symbol's minute history, kept from its first alert on: window alerts read it. */
  windows: SymbolWindows;
  /** The symbol's line in the index's SymbolLines (what a quiet tick reads). */
  line: number;
}

/**
 * Armed window alerts of one window length in one book. `up` holds moves up keyed by percent (the smallest
 * fires first: its level is the lowest above the window's low), `down` moves down likewise below the high; a
 * `move` alert is in both (slot*2 up, slot*2+1 down). The level of each heap's top is cached with the extreme it
 * was computed from, so a tick that changes neither costs one comparison. The window's extremes are read from
 * the symbol's history only when the book's gates say they may have moved.
 */
class WindowGroup implements WindowReading {
  readonly windowSeconds: number;
  /** The window's extremes as last read, and until when they hold without a price beyond them. */
  low = Number.NaN;
  lowUntil = Number.NEGATIVE_INFINITY;
  high = Number.NaN;
  highUntil = Number.NEGATIVE_INFINITY;
  readonly up: IndexedMinHeap;
  readonly down: IndexedMinHeap;
  /**
   * The heap's top (-1: look again, EMPTY_SIDE: none) and its percent, cached with the level and the extreme it was
   * computed from: the level, or (upExact false) a bound a hair below it; the same for downLevel, above.
   */
  upPercent = 0;
  downPercent = 0;
  upLevel = Number.POSITIVE_INFINITY;
  upExact = false;
  upFrom = Number.NaN;
  upTop = -1;
  downLevel = Number.NEGATIVE_INFINITY;
  downExact = false;
  downFrom = Number.NaN;
  downTop = -1;

  constructor(windowSeconds: number, positions: PositionTable) {
    this.windowSeconds = windowSeconds;
    this.up = new IndexedMinHeap(positions);
    this.down = new IndexedMinHeap(positions);
  }

  get size(): number {
    return this.up.size + this.down.size;
  }
}

/**
 * Volume and indicator alerts reading one study in one book. Every alert here reads the same value from a tick,
 * so each heap's top says whether any of its alerts is due (entries slot*2 fire upward, slot*2+1 downward):
 *   up        armed alerts fired by a rising value: volume keyed by multiple (fire while today >= multiple x
 *             typical), RSI above keyed by level (while level <= RSI), moving average above and a cross watching
 *             upper all keyed 0 (all fire when the tick's high reaches the average)
 *   down      the same downward: RSI below keyed by -level, average below and a cross watching lower keyed 0
 *             (a cross with no side known is in both)
 *   rearmDown awaiting `above` alerts: RSI keyed by -(level - 5) (re-arm while the RSI is at or below it),
 *             averages keyed 0 (all re-arm when the low reaches the average less the hysteresis band)
 *   rearmUp   awaiting `below` alerts, mirrored
 *   cooldown  cooling alerts keyed by when they may fire again (a volume alert not before its next trading day)
 */
/**
 * Whether a tick carrying a group's study moves none of its alerts: no cooldown ends, no armed alert's level is
 * reached, no awaiting one is back across its band. The same tests as #matchStudyGroup, on the group's bounds
 * (see StudyGroup.bounds): a volume group's smallest multiple; an RSI group's quiet range (a, b); a moving
 * average group's non-empty heaps.
 */
function studyQuiet(
  kind: number,
  cooldownEnd: number,
  a: number,
  b: number,
  ts: number,
  value: number,
  volume: VolumeStudy | undefined,
  high: number,
  low: number,
): boolean {
  if (cooldownEnd <= ts) return false;
  if (kind === STUDY_VOLUME)
    return volume === undefined || a === Number.POSITIVE_INFINITY || !volumeReached(a, volume);
  if (kind === STUDY_RSI) return value > a && value < b;
  return (
    ((a & AVERAGE_UP) === 0 || high < value) &&
    ((a & AVERAGE_DOWN) === 0 || low > value) &&
    ((a & AVERAGE_REARM_DOWN) === 0 || low > rearmBandLevel("above", value)) &&
    ((a & AVERAGE_REARM_UP) === 0 || high < rearmBandLevel("below", value))
  );
}

// A moving-average group's bounds: which of its heaps hold alerts.
const AVERAGE_UP = 1;
const AVERAGE_DOWN = 2;
const AVERAGE_REARM_DOWN = 4;
const AVERAGE_REARM_UP = 8;

/** The study a volume or indicator alert fired on: its value (today's volume, with the typical one). */
function firingStudy(key: string, value: number, volume: VolumeStudy | undefined): FiringStudy {
  return volume === undefined ? { key, value } : { key, value, typical: volume.typical };
}

const STUDY_VOLUME = 0;
const STUDY_RSI = 1;
const STUDY_AVERAGE = 2;

class StudyGroup {
  readonly id: number;
  readonly key: string;
  /** The key's number in the index's list of study keys (a symbol's line names the key by it). */
  readonly keyIndex: number;
  readonly book: Book;
  /** Where its key's slot on its symbol's line is (see symbol-lines.ts); -1: not listed there. */
  slotAt = -1;
  /** The other book's group of the same key, sharing the slot (null: none, or not listed). */
  sibling: StudyGroup | null = null;
  readonly up: IndexedMinHeap;
  readonly down: IndexedMinHeap;
  readonly rearmDown: IndexedMinHeap;
  readonly rearmUp: IndexedMinHeap;
  readonly cooldown: IndexedMinHeap;

  get size(): number {
    return this.up.size + this.down.size + this.rearmDown.size + this.rearmUp.size + this.cooldown.size;
  }

  /**
   * What the quiet test needs, from the heaps' smallest keys: volume, the smallest multiple; RSI, the range of
   * values that reaches no level and no band (a, b); moving average, which heaps hold alerts (AVERAGE_*).
   */
  boundA(): number {
    if (this.kind === STUDY_VOLUME) return this.up.peekKey();
    if (this.kind === STUDY_RSI) return Math.max(-this.down.peekKey(), -this.rearmDown.peekKey());
    return (
      (this.up.size > 0 ? AVERAGE_UP : 0) |
      (this.down.size > 0 ? AVERAGE_DOWN : 0) |
      (this.rearmDown.size > 0 ? AVERAGE_REARM_DOWN : 0) |
      (this.rearmUp.size > 0 ? AVERAGE_REARM_UP : 0)
    );
  }

  boundB(): number {
    return this.kind === STUDY_RSI ? Math.min(this.up.peekKey(), this.rearmUp.peekKey()) : 0;
  }

  /** Whether a tick carrying the study moves none of the group's alerts (its symbol's line lists it otherwise). */
  quiet(ts: number, value: number, volume: VolumeStudy | undefined, high: number, low: number): boolean {
    return studyQuiet(
      this.kind,
      this.cooldown.peekKey(),
      this.boundA(),
      this.boundB(),
      ts,
      value,
      volume,
      high,
      low,
    );
  }

  /**
   * Copies the bounds of its key's groups, combined, to their slot on the symbol's line, where listed: called
   * whenever a heap changes. The slot is quiet exactly when both groups are.
   */
  refresh(lines: SymbolLines): void {
    if (this.slotAt < 0) return;
    const line = lines.array;
    const other = this.sibling;
    let cooldownEnd = this.cooldown.peekKey();
    let a = this.boundA();
    let b = this.boundB();
    if (other !== null) {
      cooldownEnd = Math.min(cooldownEnd, other.cooldown.peekKey());
      const otherA = other.boundA();
      if (this.kind === STUDY_VOLUME) a = Math.min(a, otherA);
      else if (this.kind === STUDY_RSI) {
        a = Math.max(a, otherA);
        b = Math.min(b, other.boundB());
      } else a |= otherA;
    }
    line[this.slotAt + STUDY_SLOT_COOLDOWN_END] = cooldownEnd;
    line[this.slotAt + STUDY_SLOT_A] = a;
    line[this.slotAt + STUDY_SLOT_B] = b;
  }

  /** STUDY_VOLUME, STUDY_RSI or STUDY_AVERAGE, read once from its key (no string compare per tick). */
  readonly kind: number;

  constructor(
    id: number,
    key: string,
    keyIndex: number,
    book: Book,
    levels: PositionTable,
    cooldowns: PositionTable,
  ) {
    this.id = id;
    this.keyIndex = keyIndex;
    this.book = book;
    this.key = key;
    this.kind = key === "volume" ? STUDY_VOLUME : key.startsWith("rsi") ? STUDY_RSI : STUDY_AVERAGE;
    this.up = new IndexedMinHeap(levels);
    this.down = new IndexedMinHeap(levels);
    this.rearmDown = new IndexedMinHeap(levels);
    this.rearmUp = new IndexedMinHeap(levels);
    this.cooldown = new IndexedMinHeap(cooldowns);
  }
}

class Book {
  readonly id: number;
  readonly entry: SymbolEntry;
  readonly #lines: SymbolLines;
  /** The rows of every book, and where this book's row is (see book-tops.ts). */
  readonly tops: BookTops;
  readonly topsAt: number;
  /** Where the book's quiet zone is on its symbol's line. */
  readonly #quietAt: number;
  size = 0;
  upper: IndexedMinHeap | null = null;
  lower: IndexedMinHeap | null = null;
  rearmBelow: IndexedMinHeap | null = null;
  rearmAbove: IndexedMinHeap | null = null;
  cooldown: IndexedMinHeap | null = null;
  /** Indexed by code - TRAIL_DOWN_PERCENT. */
  readonly trailing: (TrailingBook | null)[] = [null, null, null, null];
  /** Armed window alerts by window length (few per symbol: each is checked on every tick of the symbol). */
  readonly windows = new Map<number, WindowGroup>();
  /** The same groups as a list, walked on every tick without an iterator. */
  readonly windowGroups: WindowGroup[] = [];
  newHighs: IndexedMinHeap | null = null;
  newLows: IndexedMinHeap | null = null;
  highTracker: TrailingBook | null = null;
  lowTracker: TrailingBook | null = null;
  sessionEnds: IndexedMinHeap | null = null;
  /** Volume and indicator alerts by study key (few per symbol: each is looked at on every tick carrying it). */
  readonly studies = new Map<string, StudyGroup>();
  /** The groups' ids (in AlertIndex's list), walked on ticks carrying studies when the symbol's line lists too few. */
  readonly studyIds: number[] = [];
  /**
   * The window groups' quiet-zone gates, from the extremes they last read: a tick with low at or above
   * windowLowFloor and high at or below windowHighCeiling (no armed group's extremes move), high below
   * windowHighGate and low above windowLowGate (no level is reached) fires no window alert and needs no reading.
   * Stale: recompute on the next tick (a group's heap changed, or its window held no trade when read).
   *
   * A reading's deadline (its extreme's minute leaving the window) is no gate: an extreme that leaves can only
   * raise the window's low or lower its high, which moves every level away from the price. Gates on a reading
   * past its deadline are on the safe side; a tick they let through makes the group read again.
   */
  windowGatesStale = true;
  windowLowFloor = Number.POSITIVE_INFINITY;
  windowHighCeiling = Number.NEGATIVE_INFINITY;
  windowHighGate = Number.POSITIVE_INFINITY;
  windowLowGate = Number.NEGATIVE_INFINITY;
  /** The smallest percent at the top of the groups' up (down) sides: what a new extreme's gate is bounded by. */
  windowUpPercent = Number.POSITIVE_INFINITY;
  windowDownPercent = Number.POSITIVE_INFINITY;
  /**
   * The groups' cached readings may miss trades: the book did not see them (markWindowsStale), or its gates
   * absorbed them (windowsQuietAbsorbing). Every group reads the history again when next matched.
   */
  windowReadingsStale = true;
  constructor(id: number, entry: SymbolEntry, lines: SymbolLines, tops: BookTops, regularHours: boolean) {
    this.id = id;
    this.entry = entry;
    this.#lines = lines;
    this.tops = tops;
    this.topsAt = tops.allocate();
    this.#quietAt = entry.line + (regularHours ? LINE_REGULAR_HOURS : LINE_ALL_HOURS);
    this.publishQuietZone();
  }

  /** Its window groups must read the history again on the next tick (see windowGatesStale). */
  markWindowsStale(): void {
    this.windowGatesStale = true;
    this.windowReadingsStale = true;
    this.publishQuietZone();
  }

  /**
   * Writes the book's quiet zone to its symbol's line: its gates and, once read, its window groups' together. Called
   * whenever either changes, so a tick inside the zone need not look at the book at all.
   */
  publishQuietZone(): void {
    // The gates, a summary of the heap tops (AlertIndex.#refreshGates): a tick with high < GATE_HIGH,
    // low > GATE_LOW and ts < GATE_TIME cannot change anything in the book's heaps and trailing books.
    const row = this.tops.array;
    let highBelow = row[this.topsAt + GATE_HIGH]!;
    let highAtMost = Number.POSITIVE_INFINITY;
    let lowAbove = row[this.topsAt + GATE_LOW]!;
    let lowAtLeast = Number.NEGATIVE_INFINITY;
    let until = row[this.topsAt + GATE_TIME]!;
    if (this.windowGroups.length > 0) {
      if (this.windowGatesStale) until = Number.NEGATIVE_INFINITY;
      else {
        highBelow = Math.min(highBelow, this.windowHighGate);
        highAtMost = this.windowHighCeiling;
        lowAbove = Math.max(lowAbove, this.windowLowGate);
        lowAtLeast = this.windowLowFloor;
      }
    }
    writeQuietZone(this.#lines.array, this.#quietAt, highBelow, highAtMost, lowAbove, lowAtLeast, until);
  }
}

function grow64(a: Float64Array, capacity: number): Float64Array {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}
function grow32(a: Int32Array, capacity: number): Int32Array {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}
function grow8(a: Uint8Array, capacity: number): Uint8Array {
  const b = new Uint8Array(capacity);
  b.set(a);
  return b;
}

export interface AlertIndexOptions {
  /** Answers whether a time is inside US regular trading hours (defaults to the NYSE calendar). */
  isRegularHours?: (utcMs: number) => boolean;
  /** Initial slot capacity, to avoid regrowth when the alert count is known. */
  capacity?: number;
}

export class AlertIndex {
  #capacity: number;
  #highWater = 0;
  #liveCount = 0;
  #freeSlots: number[] = [];

  // Struct of arrays, indexed by slot.
  #idWords: Uint32Array;
  #code: Uint8Array;
  #phase: Uint8Array;
  #flags: Uint8Array;
  #bookOf: Int32Array;
  #param: Float64Array;
  #reference: Float64Array;
  #upperLevel: Float64Array;
  #lowerLevel: Float64Array;
  #generation: Int32Array;
  #cooldownSeconds: Int32Array;
  #expiresAt: Float64Array;
  #firedAt: Float64Array;
  #firedPrice: Float64Array;
  /** Window alerts: the window length in seconds. */
  #windowSeconds: Int32Array;
  /** Armed new high/low alerts: their running extreme (a cooling one's is its tracker's peak). */
  #extreme: Float64Array;
  /** Session high/low alerts: since when their running extreme holds (epoch ms; NaN: from the next tick). */
  #extremeSince: Float64Array;
  /** RSI alerts: the bars the RSI spans (a window alert's length is in #windowSeconds). */
  #period: Int32Array;
  /** Moving-average crosses: the side the next firing comes from (WATCH_*). */
  #watch: Uint8Array;
  /** Study alerts: their StudyGroup (in #studyGroups). */
  #groupOf: Int32Array;
  readonly #studyGroups: StudyGroup[] = [];
  /** Each distinct study key once, as a property name (interned): a tick's values are looked up by it, and a
   * string built at run time would be looked up in the string table on every such lookup. */
  readonly #studyKeyNames: string[] = [];
  readonly #studyKeyIndex = new Map<string, number>();

  /** Threshold-heap entries are slot*2 (upper side) and slot*2+1 (lower side). */
  readonly #levelPositions: PositionTable;
  readonly #cooldownPositions: PositionTable;
  readonly #expiryPositions: PositionTable;
  readonly #sessionPositions: PositionTable;
  readonly #trailingNodes: TrailingNodes;
  readonly #ids: UuidSlotTable;

  readonly #symbols = new Map<string, SymbolEntry>();
  /**
   * Each symbol's number (its entry in #entries, its line at number * LINE_STRIDE): what a tick looks up, so a
   * quiet tick reads its line without touching its entry.
   */
  readonly #symbolNumbers = new Map<string, number>();
  readonly #entries: SymbolEntry[] = [];
  readonly #lines = new SymbolLines();
  readonly #tops = new BookTops();
  readonly #books: Book[] = [];
  readonly #regularHours: (utcMs: number) => boolean;

  // Per-tick scratch.
  readonly #collected: number[] = [];
  #touched = false;

  constructor(options: AlertIndexOptions = {}) {
    this.#regularHours = options.isRegularHours ?? isRegularHours;
    const capacity = Math.max(16, options.capacity ?? 1024);
    this.#capacity = capacity;
    this.#idWords = new Uint32Array(capacity * 4);
    this.#code = new Uint8Array(capacity);
    this.#phase = new Uint8Array(capacity);
    this.#flags = new Uint8Array(capacity);
    this.#bookOf = new Int32Array(capacity);
    this.#param = new Float64Array(capacity);
    this.#reference = new Float64Array(capacity);
    this.#upperLevel = new Float64Array(capacity);
    this.#lowerLevel = new Float64Array(capacity);
    this.#generation = new Int32Array(capacity);
    this.#cooldownSeconds = new Int32Array(capacity);
    this.#expiresAt = new Float64Array(capacity);
    this.#firedAt = new Float64Array(capacity);
    this.#firedPrice = new Float64Array(capacity);
    this.#windowSeconds = new Int32Array(capacity);
    this.#extreme = new Float64Array(capacity);
    this.#extremeSince = new Float64Array(capacity);
    this.#period = new Int32Array(capacity);
    this.#watch = new Uint8Array(capacity);
    this.#groupOf = new Int32Array(capacity);
    this.#levelPositions = new PositionTable(capacity * 2);
    this.#cooldownPositions = new PositionTable(capacity);
    this.#expiryPositions = new PositionTable(capacity);
    this.#sessionPositions = new PositionTable(capacity);
    this.#trailingNodes = new TrailingNodes(capacity);
    this.#ids = new UuidSlotTable(() => this.#idWords);
  }

  /** Number of alerts in the index. */
  get size(): number {
    return this.#liveCount;
  }

  has(alertId: string): boolean {
    return this.#ids.find(alertId) >= 0;
  }

  /**
   * Adds an alert or replaces its definition. Alerts that are not active (paused, triggered, expired,
   * cancelled) are removed: they never fire; so are earnings alerts, which no price fires (the alert service's
   * earnings scheduler sends them, and its sweep expires them). The runtime state is `state` when given; otherwise an alert the
   * index holds keeps its own (armed or cooling, trailing peak) and a new one starts from its record's.
   */
  upsert(alert: Alert, state?: AlertRuntimeState): void {
    const existing = this.#ids.find(alert.id);
    if (alert.status !== "active" || alert.condition.kind === "earnings") {
      if (existing >= 0) this.#removeSlot(existing);
      return;
    }
    const next = state ?? (existing >= 0 ? this.#stateOf(existing) : runtimeStateOf(alert));
    if (existing >= 0) this.#removeSlot(existing);
    this.#insert(alert, consistentState(ruleOf(alert), next));
  }

  remove(alertId: string): boolean {
    const slot = this.#ids.find(alertId);
    if (slot < 0) return false;
    this.#removeSlot(slot);
    return true;
  }

  exportState(alertId: string): AlertRuntimeState | undefined {
    const slot = this.#ids.find(alertId);
    return slot < 0 ? undefined : this.#stateOf(slot);
  }

  /** Whether a window alert ever joined the symbol (in any phase): its history is then worth a checkpoint. */
  keepsWindows(symbol: string): boolean {
    return this.#symbols.get(symbol)?.windows.tracksAny ?? false;
  }

  /** The minute history the index keeps for a symbol (what a checkpoint stores for its window alerts). */
  windowHistory(symbol: string): MinuteExtremes[] {
    return this.#symbols.get(symbol)?.windows.minutes() ?? [];
  }

  /** Merges a symbol's stored minute history in (a matcher taking the symbol over). */
  restoreWindowHistory(symbol: string, minutes: readonly MinuteExtremes[]): void {
    // Nothing to restore makes no entry: a symbol's history starts with its first alert, as in the rule book.
    if (minutes.length === 0) return;
    const entry = this.#entryFor(symbol);
    entry.windows.merge(minutes);
    entry.allHours?.markWindowsStale();
    entry.regularHours?.markWindowsStale();
  }

  /**
   * Whether the last onTick() could have changed any state of its symbol (it got past the quiet-zone gates):
   * a trailing peak, a cooldown, a band, a firing. False for the common tick that changes nothing.
   */
  get lastTickChangedState(): boolean {
    return this.#touched;
  }

  /**
   * Matches one tick. Returns expirations (sorted by alertId) then firings (sorted by alertId); the shared
   * empty array when nothing happened. `windows` false: the tick is one the restored window history already
   * holds (a replay before its checkpoint), so it neither enters the history nor moves window alerts.
   */
  onTick(tick: TickInput, windows = true): readonly MatchEvent[] {
    this.#touched = false;
    const number = this.#symbolNumbers.get(tick.symbol);
    if (number === undefined) return NO_EVENTS;
    const ts = tick.ts;
    const high = tick.high !== undefined && tick.high > tick.price ? tick.high : tick.price;
    const low = tick.low !== undefined && tick.low < tick.price ? tick.low : tick.price;
    // The symbol's line says what may move (see symbol-lines.ts); the common tick reads nothing else. A book
    // the symbol lacks has a quiet zone no price leaves.
    const lines = this.#lines.array;
    const at = number * LINE_STRIDE;
    let entry: SymbolEntry | null = null;
    if (windows && !recordTick(lines, at, ts, high, low)) {
      entry = this.#entries[number]!;
      entry.windows.record(ts, high, low);
    }
    let expired: Expiration[] | null = null;
    if (lines[at + LINE_EXPIRY]! <= ts) {
      entry ??= this.#entries[number]!;
      expired = this.#expireEntry(entry, ts);
      this.#touched = true;
    }
    let fired: Firing[] | null = null;
    if (!insideQuietZone(lines, at + LINE_ALL_HOURS, ts, high, low)) {
      entry ??= this.#entries[number]!;
      const allHours = entry.allHours;
      if (allHours !== null) {
        if (gatePassed(allHours, ts, high, low)) {
          fired = this.#matchBook(allHours, tick, high, low, fired);
          this.#touched = true;
        }
        if (windows && allHours.windowGroups.length > 0 && !windowsQuietAbsorbing(allHours, high, low))
          fired = this.#matchWindows(allHours, tick, high, low, fired);
      }
    }
    if (!insideQuietZone(this.#lines.array, at + LINE_REGULAR_HOURS, ts, high, low)) {
      entry ??= this.#entries[number]!;
      const regular = entry.regularHours;
      if (regular !== null) fired = this.#matchRegularHoursBook(regular, tick, high, low, windows, fired);
    }
    // f. volume and indicator alerts, on ticks that carry studies (apart from the price gates: their levels move)
    const studies = tick.studies;
    if (studies !== undefined) {
      const listed = this.#lines.array[at + LINE_STUDY_COUNT]!;
      if (listed !== 0) fired = this.#matchStudies(number, listed, tick, studies, high, low, fired);
    }
    if (expired === null && fired === null) return NO_EVENTS;
    const events: MatchEvent[] = [];
    if (expired !== null) events.push(...expired.sort(byAlertId));
    if (fired !== null) events.push(...fired.sort(byAlertId));
    return events;
  }

  // --- matching -------------------------------------------------------------------------------------------

  /** The regular-hours book of a tick past its quiet zone: matched in hours; out of hours, its windows go stale. */
  #matchRegularHoursBook(
    regular: Book,
    tick: TickInput,
    high: number,
    low: number,
    windows: boolean,
    fired: Firing[] | null,
  ): Firing[] | null {
    const ts = tick.ts;
    const gated = gatePassed(regular, ts, high, low);
    const windowsMoved =
      windows && regular.windowGroups.length > 0 && !windowsQuietAbsorbing(regular, high, low);
    if ((gated || windowsMoved) && this.#regularHours(ts)) {
      if (gated) {
        fired = this.#matchBook(regular, tick, high, low, fired);
        this.#touched = true;
      }
      // After the book: a cooldown that ended there may have armed the symbol's first window alert.
      if (windows && regular.windowGroups.length > 0 && !windowsQuiet(regular, high, low))
        fired = this.#matchWindows(regular, tick, high, low, fired);
    } else if (windowsMoved) {
      // Out of hours the trade still enters the history: what it may have moved is read again in hours.
      regular.markWindowsStale();
    }
    return fired;
  }

  #expireEntry(entry: SymbolEntry, now: number): Expiration[] {
    const out: Expiration[] = [];
    const heap = entry.expiry!;
    while (heap.peekKey() <= now) {
      const slot = heap.peekItem();
      out.push({
        type: "expired",
        alertId: readUuid(this.#idWords, slot * 4),
        symbol: entry.symbol,
        expiresAt: this.#expiresAt[slot]!,
        ts: now,
      });
      this.#removeSlot(slot);
    }
    return out;
  }

  #matchBook(
    book: Book,
    tick: TickInput,
    high: number,
    low: number,
    fired: Firing[] | null,
  ): Firing[] | null {
    const ts = tick.ts;
    // Each structure is touched only when its top (on the book's row, see book-tops.ts) says the tick moves it.
    // The rows grow only when a book is created (an upsert), never while matching, so `tops` stays the array.
    const tops = this.#tops.array;
    const b = book.topsAt;
    // e (first). session highs and lows whose trading day ended start again at this tick
    if (tops[b + TOP_SESSION_ENDS]! <= ts) {
      const sessionEnds = book.sessionEnds!;
      while (sessionEnds.peekKey() <= ts) this.#startSession(book, sessionEnds.pop(), ts, high, low);
    }
    // a. trailing peaks and troughs: a book that is one group with an armed root moves on its row alone
    for (let t = 0; t < 4; t++) {
      const peak = t < 2 ? high : -low;
      if (tops[b + TOP_TRAILING_PEAK + t]! >= peak) continue;
      const at = b + TOP_TRAILING_PEAK + t;
      const percent = t === 0 || t === 2;
      if (
        !advanceOnRow(
          tops,
          at,
          at + TRAILING_FIRE_FROM_PEAK,
          at + TRAILING_FAST_FROM_PEAK,
          percent,
          t >= 2,
          peak,
        )
      )
        book.trailing[t]!.advance(peak);
    }
    // b. cooldowns that ended
    if (tops[b + TOP_COOLDOWN]! <= ts) {
      const cooldown = book.cooldown!;
      while (cooldown.peekKey() <= ts) this.#endCooldown(book, cooldown.pop());
    }
    // c. firing
    if (tops[b + TOP_UPPER]! <= high) {
      const upper = book.upper!;
      while (upper.peekKey() <= high) {
        const slot = upper.pop() >> 1;
        if (!Number.isNaN(this.#lowerLevel[slot]!)) book.lower!.remove(slot * 2 + 1);
        fired = this.#fire(book, slot, "upper", this.#upperLevel[slot]!, high, tick, NONE, fired);
      }
    }
    if (tops[b + TOP_LOWER]! <= -low) {
      const lower = book.lower!;
      while (lower.peekKey() <= -low) {
        const slot = lower.pop() >> 1;
        if (!Number.isNaN(this.#upperLevel[slot]!)) book.upper!.remove(slot * 2);
        fired = this.#fire(book, slot, "lower", this.#lowerLevel[slot]!, low, tick, NONE, fired);
      }
    }
    if (tops[b + TOP_NEW_HIGHS]! < high) {
      const newHighs = book.newHighs!;
      while (newHighs.peekKey() < high) {
        const slot = newHighs.pop() >> 1;
        const extreme = this.#extreme[slot]!;
        fired = this.#fire(book, slot, "upper", extreme, high, tick, extreme, fired);
      }
    }
    if (tops[b + TOP_NEW_LOWS]! < -low) {
      const newLows = book.newLows!;
      while (newLows.peekKey() < -low) {
        const slot = newLows.pop() >> 1;
        const extreme = this.#extreme[slot]!;
        fired = this.#fire(book, slot, "lower", extreme, low, tick, extreme, fired);
      }
    }
    for (let t = 0; t < 4; t++) {
      const mirrored = t >= 2;
      // A book's fire key is the negated highest level: a low at or below it fires (a high, mirrored).
      if (tops[b + TOP_TRAILING_FIRE + t]! > (mirrored ? high : -low)) continue;
      const trailing = book.trailing[t]!;
      const collected = this.#collected;
      collected.length = 0;
      trailing.collect(mirrored ? -high : low, collected);
      for (const slot of collected) {
        const peak = trailing.peakOf(slot);
        const key = this.#trailingNodes.key[slot]!;
        const level = trailing.level(peak, key);
        fired = mirrored
          ? this.#fire(book, slot, "upper", -level, high, tick, -peak, fired)
          : this.#fire(book, slot, "lower", level, low, tick, peak, fired);
      }
    }
    // d. re-arming past the hysteresis band
    if (tops[b + TOP_REARM_BELOW]! <= -low) {
      const rearmBelow = book.rearmBelow!;
      while (rearmBelow.peekKey() <= -low) {
        const slot = rearmBelow.pop() >> 1;
        this.#phase[slot] = ARMED;
        this.#upperHeap(book).push(slot * 2, this.#upperLevel[slot]!);
      }
    }
    if (tops[b + TOP_REARM_ABOVE]! <= high) {
      const rearmAbove = book.rearmAbove!;
      while (rearmAbove.peekKey() <= high) {
        const slot = rearmAbove.pop() >> 1;
        this.#phase[slot] = ARMED;
        this.#lowerHeap(book).push(slot * 2 + 1, -this.#lowerLevel[slot]!);
      }
    }
    // e (last). cooling new highs (lows) follow the trade; armed ones fired above or were not passed
    if (tops[b + TOP_HIGH_TRACKER]! < high) book.highTracker!.advance(high);
    if (tops[b + TOP_LOW_TRACKER]! < -low) book.lowTracker!.advance(-low);
    this.#refreshGates(book);
    return fired;
  }

  /**
   * A session high/low alert whose trading day ended: its running extreme starts again at this tick's high
   * (low), where no trade of the tick is beyond it, so it does not fire on it. One without a start yet (a record
   * from before any session was kept) starts its session here and keeps its extreme.
   */
  #startSession(book: Book, slot: number, ts: number, high: number, low: number): void {
    const code = this.#code[slot]!;
    if (!Number.isNaN(this.#extremeSince[slot]!)) {
      const start = code === NEW_HIGH ? high : low;
      if (this.#phase[slot] === ARMED) {
        this.#extreme[slot] = start;
        this.#newExtremeHeap(book, code).set(
          slot * 2 + (code === NEW_HIGH ? 0 : 1),
          code === NEW_HIGH ? start : -start,
        );
      } else {
        const tracker = this.#extremeTracker(book, code);
        tracker.remove(slot, false);
        tracker.insert(slot, code === NEW_HIGH ? start : -start, 0, false);
      }
    }
    this.#extremeSince[slot] = ts;
    book.sessionEnds!.push(slot, sessionEndsAt(book.entry.symbol, ts));
  }

  /**
   * Window alerts: for each window length, moves up fire while the smallest percent's level above the window's
   * low is reached by the tick's high, moves down likewise below the high. The symbol's history already holds
   * this tick (its low before its high, as for trailing alerts). A side whose cached reading still holds (no
   * price beyond its extreme, its deadline not reached) and whose cached level is not reached is passed over on
   * the group's own fields: its heap and the history are read only when something may have moved.
   */
  #matchWindows(
    book: Book,
    tick: TickInput,
    high: number,
    low: number,
    fired: Firing[] | null,
  ): Firing[] | null {
    const before = fired?.length ?? 0;
    const ts = tick.ts;
    const groups = book.windowGroups;
    const history = book.entry.windows;
    // Stale readings miss trades this book did not see (out of hours) or absorbed into its gates: every group
    // reads the history again.
    const readAll = book.windowReadingsStale;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const upQuiet =
        group.upTop === EMPTY_SIDE ||
        (group.upTop >= 0 && ts < group.lowUntil && low >= group.low && high < group.upLevel);
      const downQuiet =
        group.downTop === EMPTY_SIDE ||
        (group.downTop >= 0 && ts < group.highUntil && high <= group.high && low > group.downLevel);
      if (upQuiet && downQuiet && !readAll) continue;
      history.read(group.windowSeconds, group);
      const windowLow = group.low;
      const windowHigh = group.high;
      if (Number.isNaN(windowLow)) continue;
      const up = group.up;
      while (group.upTop !== EMPTY_SIDE) {
        if (group.upTop < 0) {
          // The heap changed: look at its top again (otherwise the cached top and percent still hold).
          if (up.size === 0) {
            group.upTop = EMPTY_SIDE;
            break;
          }
          group.upTop = up.peekItem();
          group.upPercent = up.peekKey();
          group.upFrom = Number.NaN;
        }
        if (windowLow !== group.upFrom) {
          group.upFrom = windowLow;
          // The level before its rounding to 12 digits, a hair below: cheap, and never above the real one.
          group.upLevel = windowLow * upFactor(group.upPercent) * (1 - LEVEL_SLACK);
          group.upExact = false;
        }
        if (high < group.upLevel) break;
        if (!group.upExact) {
          group.upLevel = windowUpperLevel(windowLow, group.upPercent);
          group.upExact = true;
          if (high < group.upLevel) break;
        }
        const slot = up.pop() >> 1;
        group.upTop = -1;
        if (group.down.has(slot * 2 + 1)) {
          group.down.remove(slot * 2 + 1);
          group.downTop = -1;
        }
        fired = this.#fire(book, slot, "upper", group.upLevel, high, tick, windowLow, fired);
        this.#touched = true;
      }
      const down = group.down;
      while (group.downTop !== EMPTY_SIDE) {
        if (group.downTop < 0) {
          if (down.size === 0) {
            group.downTop = EMPTY_SIDE;
            break;
          }
          group.downTop = down.peekItem();
          group.downPercent = down.peekKey();
          group.downFrom = Number.NaN;
        }
        if (windowHigh !== group.downFrom) {
          group.downFrom = windowHigh;
          group.downLevel = windowHigh * downFactor(group.downPercent) * (1 + LEVEL_SLACK);
          group.downExact = false;
        }
        if (low > group.downLevel) break;
        if (!group.downExact) {
          group.downLevel = windowLowerLevel(windowHigh, group.downPercent);
          group.downExact = true;
          if (low > group.downLevel) break;
        }
        const slot = down.pop() >> 1;
        group.downTop = -1;
        if (group.up.has(slot * 2)) {
          group.up.remove(slot * 2);
          group.upTop = -1;
        }
        fired = this.#fire(book, slot, "lower", group.downLevel, low, tick, windowHigh, fired);
        this.#touched = true;
      }
    }
    // A repeating alert that fired now cools down: the book's time gate must see its cooldown.
    if ((fired?.length ?? 0) > before) this.#refreshGates(book);
    // The book's gates summarise the groups' fields (each side either empty, or read with its top's level).
    let highGate = Number.POSITIVE_INFINITY;
    let lowGate = Number.NEGATIVE_INFINITY;
    let mustRead = false;
    let lowFloor = Number.NEGATIVE_INFINITY;
    let highCeiling = Number.POSITIVE_INFINITY;
    let upPercent = Number.POSITIVE_INFINITY;
    let downPercent = Number.POSITIVE_INFINITY;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      if (group.upTop !== EMPTY_SIDE) {
        if (group.upTop < 0 || Number.isNaN(group.low)) mustRead = true;
        if (group.upLevel < highGate) highGate = group.upLevel;
        if (group.low > lowFloor) lowFloor = group.low;
        if (group.upPercent < upPercent) upPercent = group.upPercent;
      }
      if (group.downTop !== EMPTY_SIDE) {
        if (group.downTop < 0 || Number.isNaN(group.high)) mustRead = true;
        if (group.downLevel > lowGate) lowGate = group.downLevel;
        if (group.high < highCeiling) highCeiling = group.high;
        if (group.downPercent < downPercent) downPercent = group.downPercent;
      }
    }
    book.windowHighGate = highGate;
    book.windowLowGate = lowGate;
    book.windowLowFloor = lowFloor;
    book.windowHighCeiling = highCeiling;
    book.windowUpPercent = upPercent;
    book.windowDownPercent = downPercent;
    book.windowGatesStale = mustRead;
    book.windowReadingsStale = false;
    book.publishQuietZone();
    return fired;
  }

  /**
   * Volume and indicator alerts: each group whose study the tick carries ends its cooldowns, fires its armed
   * alerts the value reached, then re-arms its awaiting ones back across their band (they fire from the next tick
   * on), the order of the rule book's stepAlert. A group whose study the tick lacks is left as it is.
   */
  #matchStudies(
    number: number,
    listed: number,
    tick: TickInput,
    studies: TickStudies,
    high: number,
    low: number,
    fired: Firing[] | null,
  ): Firing[] | null {
    const ts = tick.ts;
    // Whether the tick is in regular hours, asked once and only for a regular-hours book's group (0 no, 1 yes).
    let inHours = -1;
    if (listed > 0) {
      // The keys listed on the symbol's line, each tested on its slot there: no group is read unless one may move.
      for (let k = 0; k < listed; k++) {
        const line = this.#lines.array;
        const at = number * LINE_STRIDE + LINE_STUDY_GROUPS + k * STUDY_SLOT;
        const keyAndKind = line[at + STUDY_SLOT_KEY]!;
        const kind = keyAndKind & 3;
        const volume = kind === STUDY_VOLUME ? studies.volume : undefined;
        const value =
          kind === STUDY_VOLUME ? volume?.today : studies.values?.[this.#studyKeyNames[keyAndKind >> 2]!];
        if (
          value === undefined ||
          studyQuiet(
            kind,
            line[at + STUDY_SLOT_COOLDOWN_END]!,
            line[at + STUDY_SLOT_A]!,
            line[at + STUDY_SLOT_B]!,
            ts,
            value,
            volume,
            high,
            low,
          )
        )
          continue;
        const ids = number * LINE_STRIDE + LINE_STUDY_GROUP_IDS + k * STUDY_GROUP_IDS;
        const allHoursGroup = line[ids]!;
        const regularGroup = line[ids + 1]!;
        if (allHoursGroup >= 0)
          fired = this.#matchStudyGroupUnlessQuiet(
            this.#studyGroups[allHoursGroup]!,
            value,
            volume,
            tick,
            high,
            low,
            fired,
          );
        if (regularGroup >= 0) {
          if (inHours < 0) inHours = this.#regularHours(ts) ? 1 : 0;
          if (inHours === 1)
            fired = this.#matchStudyGroupUnlessQuiet(
              this.#studyGroups[regularGroup]!,
              value,
              volume,
              tick,
              high,
              low,
              fired,
            );
        }
      }
      return fired;
    }
    // More groups than the line lists: each book's own list.
    const entry = this.#entries[number]!;
    const allHours = entry.allHours;
    if (allHours !== null)
      for (const id of allHours.studyIds)
        fired = this.#matchUnlistedStudyGroup(this.#studyGroups[id]!, studies, tick, high, low, fired);
    const regular = entry.regularHours;
    if (regular !== null && regular.studyIds.length > 0 && this.#regularHours(ts))
      for (const id of regular.studyIds)
        fired = this.#matchUnlistedStudyGroup(this.#studyGroups[id]!, studies, tick, high, low, fired);
    return fired;
  }

  #matchUnlistedStudyGroup(
    group: StudyGroup,
    studies: TickStudies,
    tick: TickInput,
    high: number,
    low: number,
    fired: Firing[] | null,
  ): Firing[] | null {
    const volume = group.kind === STUDY_VOLUME ? studies.volume : undefined;
    const value = group.kind === STUDY_VOLUME ? volume?.today : studies.values?.[group.key];
    if (value === undefined) return fired;
    return this.#matchStudyGroupUnlessQuiet(group, value, volume, tick, high, low, fired);
  }

  #matchStudyGroupUnlessQuiet(
    group: StudyGroup,
    value: number,
    volume: VolumeStudy | undefined,
    tick: TickInput,
    high: number,
    low: number,
    fired: Firing[] | null,
  ): Firing[] | null {
    if (group.quiet(tick.ts, value, volume, high, low)) return fired;
    return this.#matchStudyGroup(group, value, volume, tick, high, low, fired);
  }

  /** One study group whose study the tick carries and that is not quiet (see #matchStudies). */
  #matchStudyGroup(
    group: StudyGroup,
    value: number,
    volume: VolumeStudy | undefined,
    tick: TickInput,
    high: number,
    low: number,
    fired: Firing[] | null,
  ): Firing[] | null {
    const ts = tick.ts;
    const book = group.book;
    const { up, down, rearmDown, rearmUp, cooldown } = group;
    // Shared by the alerts the group fires on this tick (a quiet group, the common case, got no further).
    const study = firingStudy(group.key, value, volume);
    if (cooldown.peekKey() <= ts) {
      this.#touched = true;
      while (cooldown.peekKey() <= ts) this.#endStudyCooldown(group, cooldown.pop());
    }
    if (volume !== undefined) {
      while (up.size > 0 && volumeReached(up.peekKey(), volume)) {
        const slot = up.pop() >> 1;
        const level = this.#param[slot]! * volume.typical;
        fired = this.#fire(book, slot, "upper", level, tick.price, tick, NONE, fired, study);
        this.#touched = true;
      }
      group.refresh(this.#lines);
      return fired;
    }
    if (group.kind === STUDY_RSI) {
      while (up.peekKey() <= value) {
        const slot = up.pop() >> 1;
        fired = this.#fire(book, slot, "upper", this.#param[slot]!, tick.price, tick, NONE, fired, study);
        this.#touched = true;
      }
      while (down.peekKey() <= -value) {
        const slot = down.pop() >> 1;
        fired = this.#fire(book, slot, "lower", this.#param[slot]!, tick.price, tick, NONE, fired, study);
        this.#touched = true;
      }
      while (rearmDown.peekKey() <= -value) {
        this.#placeStudy(group, rearmDown.pop() >> 1);
        this.#touched = true;
      }
      while (rearmUp.peekKey() <= value) {
        this.#placeStudy(group, rearmUp.pop() >> 1);
        this.#touched = true;
      }
      group.refresh(this.#lines);
      return fired;
    }
    // A moving average: every alert of a heap shares its level, the average at this tick.
    if (high >= value && up.size > 0) {
      this.#touched = true;
      while (up.size > 0) {
        const slot = up.pop() >> 1;
        // A cross with no side known watched both: it fires once, upward.
        if (down.has(slot * 2 + 1)) down.remove(slot * 2 + 1);
        fired = this.#fire(book, slot, "upper", value, high, tick, NONE, fired, study);
      }
    }
    if (low <= value && down.size > 0) {
      this.#touched = true;
      while (down.size > 0) {
        const slot = down.pop() >> 1;
        // A cross with no side known that the high did not reach: it fires downward, once.
        if (up.has(slot * 2)) up.remove(slot * 2);
        fired = this.#fire(book, slot, "lower", value, low, tick, NONE, fired, study);
      }
    }
    if (rearmDown.size > 0 && low <= rearmBandLevel("above", value)) {
      this.#touched = true;
      while (rearmDown.size > 0) this.#placeStudy(group, rearmDown.pop() >> 1);
    }
    if (rearmUp.size > 0 && high >= rearmBandLevel("below", value)) {
      this.#touched = true;
      while (rearmUp.size > 0) this.#placeStudy(group, rearmUp.pop() >> 1);
    }
    group.refresh(this.#lines);
    return fired;
  }

  /** A study alert's cooldown ended: above/below ones wait for their band, the others are armed. */
  #endStudyCooldown(group: StudyGroup, slot: number): void {
    const code = this.#code[slot]!;
    if (studyWaitsForBand(code)) this.#placeStudyAwaiting(group, slot);
    else this.#placeStudy(group, slot);
  }

  /** Arms a study alert in its group (see StudyGroup for the keys). */
  #placeStudy(group: StudyGroup, slot: number): void {
    const code = this.#code[slot]!;
    this.#phase[slot] = ARMED;
    if (code === AVERAGE_CROSS) {
      const watch = this.#watch[slot];
      if (watch !== WATCH_LOWER) group.up.push(slot * 2, 0);
      if (watch !== WATCH_UPPER) group.down.push(slot * 2 + 1, 0);
    } else if (firesUpward(code)) group.up.push(slot * 2, studyFireKey(code, this.#param[slot]!));
    else group.down.push(slot * 2 + 1, studyFireKey(code, this.#param[slot]!));
    group.refresh(this.#lines);
  }

  #placeStudyAwaiting(group: StudyGroup, slot: number): void {
    const code = this.#code[slot]!;
    this.#phase[slot] = AWAITING_BAND;
    const key = studyBandKey(code, this.#param[slot]!);
    if (firesUpward(code)) group.rearmDown.push(slot * 2 + 1, key);
    else group.rearmUp.push(slot * 2, key);
    group.refresh(this.#lines);
  }

  #unplaceStudy(slot: number): void {
    const group = this.#studyGroups[this.#groupOf[slot]!]!;
    const phase = this.#phase[slot];
    if (phase === COOLING) group.cooldown.remove(slot);
    else if (phase === ARMED) {
      if (group.up.has(slot * 2)) group.up.remove(slot * 2);
      if (group.down.has(slot * 2 + 1)) group.down.remove(slot * 2 + 1);
    } else {
      if (group.rearmDown.has(slot * 2 + 1)) group.rearmDown.remove(slot * 2 + 1);
      if (group.rearmUp.has(slot * 2)) group.rearmUp.remove(slot * 2);
    }
    group.refresh(this.#lines);
  }

  #studyGroup(book: Book, key: string): StudyGroup {
    let group = book.studies.get(key);
    if (!group) {
      const entry = book.entry;
      const id = this.#studyGroups.length;
      let keyIndex = this.#studyKeyIndex.get(key);
      if (keyIndex === undefined) {
        keyIndex = this.#studyKeyNames.length;
        this.#studyKeyIndex.set(key, keyIndex);
        // As a property name (interned; see #studyKeyNames).
        this.#studyKeyNames.push(Object.keys({ [key]: 0 })[0]!);
      }
      group = new StudyGroup(
        id,
        this.#studyKeyNames[keyIndex]!,
        keyIndex,
        book,
        this.#levelPositions,
        this.#cooldownPositions,
      );
      this.#studyGroups.push(group);
      book.studies.set(key, group);
      book.studyIds.push(group.id);
      this.#listStudyGroup(entry, group, book === entry.regularHours);
      group.refresh(this.#lines);
    }
    return group;
  }

  /**
   * Lists a new study group on its symbol's line: in its key's slot, beside the other book's group of the key, or
   * in a new slot; or marks the line full (the books' lists are read then).
   */
  #listStudyGroup(entry: SymbolEntry, group: StudyGroup, regularHours: boolean): void {
    const line = this.#lines.array;
    const listed = line[entry.line + LINE_STUDY_COUNT]!;
    if (listed < 0) return;
    const keyAndKind = group.keyIndex * 4 + group.kind;
    const side = regularHours ? 1 : 0;
    for (let k = 0; k < listed; k++) {
      const at = entry.line + LINE_STUDY_GROUPS + k * STUDY_SLOT;
      if (line[at + STUDY_SLOT_KEY] !== keyAndKind) continue;
      const ids = entry.line + LINE_STUDY_GROUP_IDS + k * STUDY_GROUP_IDS;
      const other = this.#studyGroups[line[ids + 1 - side]!]!;
      line[ids + side] = group.id;
      group.slotAt = at;
      group.sibling = other;
      other.sibling = group;
      return;
    }
    if (listed === LINE_STUDY_GROUPS_MAX) {
      line[entry.line + LINE_STUDY_COUNT] = -1;
      return;
    }
    const at = entry.line + LINE_STUDY_GROUPS + listed * STUDY_SLOT;
    line[at + STUDY_SLOT_KEY] = keyAndKind;
    const ids = entry.line + LINE_STUDY_GROUP_IDS + listed * STUDY_GROUP_IDS;
    line[ids] = -1;
    line[ids + 1] = -1;
    line[ids + side] = group.id;
    group.slotAt = at;
    line[entry.line + LINE_STUDY_COUNT] = listed + 1;
  }

  #refreshGates(book: Book): void {
    const tops = this.#tops.array;
    const b = book.topsAt;
    // A high at the gate may fire an upper level, a new high or an up trailing alert (mirrored: its fire key),
    // or move a peak (a down trailing book's lowest, a cooling new high's); the low gate likewise, negated.
    tops[b + GATE_HIGH] = Math.min(
      tops[b + TOP_UPPER]!,
      tops[b + TOP_REARM_ABOVE]!,
      tops[b + TOP_NEW_HIGHS]!,
      tops[b + TOP_HIGH_TRACKER]!,
      tops[b + TOP_TRAILING_PEAK]!,
      tops[b + TOP_TRAILING_PEAK + 1]!,
      tops[b + TOP_TRAILING_FIRE + 2]!,
      tops[b + TOP_TRAILING_FIRE + 3]!,
    );
    tops[b + GATE_LOW] = -Math.min(
      tops[b + TOP_LOWER]!,
      tops[b + TOP_REARM_BELOW]!,
      tops[b + TOP_NEW_LOWS]!,
      tops[b + TOP_LOW_TRACKER]!,
      tops[b + TOP_TRAILING_FIRE]!,
      tops[b + TOP_TRAILING_FIRE + 1]!,
      tops[b + TOP_TRAILING_PEAK + 2]!,
      tops[b + TOP_TRAILING_PEAK + 3]!,
    );
    tops[b + GATE_TIME] = Math.min(tops[b + TOP_COOLDOWN]!, tops[b + TOP_SESSION_ENDS]!);
    book.publishQuietZone();
  }

  /** The alert has already left its firing structure; record the firing and move it on. */
  #fire(
    book: Book,
    slot: number,
    side: "upper" | "lower",
    level: number,
    price: number,
    tick: TickInput,
    extreme: number,
    fired: Firing[] | null,
    study: FiringStudy | null = null,
  ): Firing[] {
    const code = this.#code[slot]!;
    const alertId = readUuid(this.#idWords, slot * 4);
    const generation = this.#generation[slot]!;
    const repeating = this.#cooldownSeconds[slot]! > 0;
    const firedBefore = !Number.isNaN(this.#firedAt[slot]!);
    const firing: Firing = {
      type: "fired",
      alertId,
      symbol: book.entry.symbol,
      generation,
      triggerId: triggerIdOf(alertId, generation),
      condition: this.#conditionOf(slot),
      side,
      level,
      price,
      tickPrice: tick.price,
      referencePrice: this.#reference[slot]!,
      extreme: Number.isNaN(extreme) ? null : extreme,
      firedBefore,
      repeating,
      next: null,
      ts: tick.ts,
    };
    if (study !== null) firing.study = study;
    const out = fired ?? [];
    out.push(firing);
    if (!repeating) {
      this.#removeSlot(slot, true);
      return out;
    }
    // The rule book decides the next state; the index only stores it.
    const nullable = (x: number) => (Number.isNaN(x) ? null : x);
    const rule = this.#ruleOfSlot(slot);
    const allowedAt = repeatAllowedAt(rule, tick.ts);
    const before: AlertRuntimeState = {
      generation,
      phase: "armed",
      referencePrice: this.#reference[slot]!,
      upper: nullable(this.#upperLevel[slot]!),
      lower: nullable(this.#lowerLevel[slot]!),
      extreme: isTrailing(code) || isNewExtreme(code) ? nullable(extreme) : null,
      lastFiredAt: nullable(this.#firedAt[slot]!),
      lastFirePrice: nullable(this.#firedPrice[slot]!),
    };
    if (code === AVERAGE_CROSS) before.watch = watchName(this.#watch[slot]!);
    const next = afterFiring(rule, before, side, price, tick.ts);
    firing.next = {
      cooldownEndsAt: allowedAt,
      upper: next.upper,
      lower: next.lower,
      extreme: next.extreme,
    };
    this.#generation[slot] = next.generation;
    this.#phase[slot] = COOLING;
    this.#firedAt[slot] = tick.ts;
    this.#firedPrice[slot] = price;
    this.#reference[slot] = next.referencePrice;
    if (isStudy(code)) {
      // Cools in its group, which is read only on ticks carrying its study.
      if (code === AVERAGE_CROSS) this.#watch[slot] = watchCode(next.watch);
      const group = this.#studyGroups[this.#groupOf[slot]!]!;
      group.cooldown.push(slot, allowedAt);
      group.refresh(this.#lines);
      return out;
    }
    if (isTrailing(code)) {
      const restart = next.extreme ?? price;
      this.#trailingBook(book, code).insert(
        slot,
        isMirrored(code) ? -restart : restart,
        trailingKey(code, this.#param[slot]!),
        false,
      );
    } else if (isNewExtreme(code)) {
      // Cooling: its running extreme (the price that fired) follows later trades in the tracker.
      const restart = next.extreme ?? price;
      this.#extremeTracker(book, code).insert(slot, code === NEW_HIGH ? restart : -restart, 0, false);
    } else {
      this.#upperLevel[slot] = next.upper ?? NONE;
      this.#lowerLevel[slot] = next.lower ?? NONE;
    }
    this.#cooldownHeap(book).push(slot, tick.ts + this.#cooldownSeconds[slot]! * 1000);
    return out;
  }

  #endCooldown(book: Book, slot: number): void {
    const code = this.#code[slot]!;
    if (phaseAfterCooldown(this.#conditionOf(slot)) === "awaitingBand") {
      this.#phase[slot] = AWAITING_BAND;
      this.#placeAwaitingBand(book, slot);
      return;
    }
    this.#phase[slot] = ARMED;
    if (isTrailing(code)) this.#trailingBook(book, code).arm(slot);
    else if (isWindow(code)) this.#placeWindow(book, slot);
    else if (isNewExtreme(code)) {
      const tracker = this.#extremeTracker(book, code);
      const peak = tracker.peakOf(slot);
      tracker.remove(slot, false);
      this.#placeNewExtreme(book, slot, code === NEW_HIGH ? peak : -peak);
    } else this.#placeLevels(book, slot);
  }

  // --- placement ------------------------------------------------------------------------------------------

  #insert(alert: Alert, state: AlertRuntimeState): void {
    const slot = this.#allocate();
    writeUuidWords(alert.id.toLowerCase(), this.#idWords, slot * 4);
    this.#ids.add(slot);
    const code = codeOf(alert.condition);
    const param = paramOf(alert.condition);
    const rule = ruleOf(alert);
    const cooldownMs = rule.cooldownMs;
    const expiresAt = rule.expiresAtMs;
    this.#code[slot] = code;
    this.#param[slot] = param;
    this.#windowSeconds[slot] = alert.condition.kind === "window" ? alert.condition.windowSeconds : 0;
    this.#period[slot] = alert.condition.kind === "rsi" ? alert.condition.period : 0;
    this.#watch[slot] = code === AVERAGE_CROSS ? watchCode(state.watch) : WATCH_NONE;
    const session = alert.condition.kind === "extreme" && alert.condition.span === "session";
    this.#flags[slot] =
      (alert.regularHoursOnly ? FLAG_REGULAR_HOURS : 0) |
      (alert.condition.kind === "percent" && alert.condition.basis === "close" ? FLAG_BASIS_CLOSE : 0) |
      (session ? FLAG_SESSION : 0) |
      (alert.condition.kind === "average" && alert.condition.average === "ema" ? FLAG_EMA : 0) |
      (alert.condition.kind === "rsi" && alert.condition.interval === "1h" ? FLAG_HOURLY : 0);
    this.#cooldownSeconds[slot] = cooldownMs === null ? 0 : cooldownMs / 1000;
    this.#expiresAt[slot] = expiresAt ?? NONE;
    this.#generation[slot] = state.generation;
    this.#reference[slot] = state.referencePrice;
    this.#upperLevel[slot] = state.upper ?? NONE;
    this.#lowerLevel[slot] = state.lower ?? NONE;
    this.#firedAt[slot] = state.lastFiredAt ?? NONE;
    this.#firedPrice[slot] = state.lastFirePrice ?? NONE;
    const entry = this.#entryFor(alert.symbol);
    // Kept from the alert's arrival whatever its phase: its history is checkpointed from then on.
    if (isWindow(code)) entry.windows.track();
    const book = this.#bookFor(entry, alert.regularHoursOnly);
    this.#bookOf[slot] = book.id;
    book.size++;
    if (expiresAt !== null) {
      entry.expiry ??= new IndexedMinHeap(this.#expiryPositions);
      entry.expiry.push(slot, expiresAt);
      this.#lines.array[entry.line + LINE_EXPIRY] = entry.expiry.peekKey();
    }
    const since = state.extremeSince ?? null;
    this.#extremeSince[slot] = session && since !== null ? since : NONE;
    if (session) {
      book.sessionEnds ??= new IndexedMinHeap(
        this.#sessionPositions,
        this.#tops,
        book.topsAt + TOP_SESSION_ENDS,
      );
      book.sessionEnds.push(
        slot,
        since === null ? Number.NEGATIVE_INFINITY : sessionEndsAt(alert.symbol, since),
      );
    }
    const phase = state.phase === "armed" ? ARMED : state.phase === "cooling" ? COOLING : AWAITING_BAND;
    if (phase === AWAITING_BAND && code !== ABOVE && code !== BELOW && !studyWaitsForBand(code)) {
      throw new Error(`alert ${alert.id}: only repeating above/below alerts wait for the hysteresis band`);
    }
    this.#phase[slot] = phase;
    if (isStudy(code)) {
      const group = this.#studyGroup(book, studyKeyOf(alert.condition)!);
      this.#groupOf[slot] = group.id;
      if (phase === ARMED) this.#placeStudy(group, slot);
      else if (phase === AWAITING_BAND) this.#placeStudyAwaiting(group, slot);
      else {
        if (cooldownMs === null || state.lastFiredAt === null) {
          throw new Error(`alert ${alert.id}: a cooling alert needs a repeat cooldown and lastFiredAt`);
        }
        group.cooldown.push(slot, repeatAllowedAt(rule, state.lastFiredAt));
        group.refresh(this.#lines);
      }
      return;
    }
    if (isTrailing(code)) {
      const extreme = state.extreme ?? state.referencePrice;
      this.#trailingBook(book, code).insert(
        slot,
        isMirrored(code) ? -extreme : extreme,
        trailingKey(code, param),
        phase === ARMED,
      );
    } else if (isNewExtreme(code)) {
      const extreme = state.extreme ?? state.referencePrice;
      if (phase === ARMED) this.#placeNewExtreme(book, slot, extreme);
      else this.#extremeTracker(book, code).insert(slot, code === NEW_HIGH ? extreme : -extreme, 0, false);
    } else if (phase === ARMED && isWindow(code)) {
      this.#placeWindow(book, slot);
    } else if (phase === ARMED) {
      this.#placeLevels(book, slot);
    } else if (phase === AWAITING_BAND) {
      this.#placeAwaitingBand(book, slot);
    }
    if (phase === COOLING) {
      if (cooldownMs === null || state.lastFiredAt === null) {
        throw new Error(`alert ${alert.id}: a cooling alert needs a repeat cooldown and lastFiredAt`);
      }
      this.#cooldownHeap(book).push(slot, state.lastFiredAt + cooldownMs);
    }
    this.#refreshGates(book);
  }

  #placeLevels(book: Book, slot: number): void {
    const upper = this.#upperLevel[slot]!;
    const lower = this.#lowerLevel[slot]!;
    if (!Number.isNaN(upper)) this.#upperHeap(book).push(slot * 2, upper);
    if (!Number.isNaN(lower)) this.#lowerHeap(book).push(slot * 2 + 1, -lower);
  }

  /** An armed new high (low) alert waits in its heap for a trade beyond its running extreme. */
  #placeNewExtreme(book: Book, slot: number, extreme: number): void {
    const code = this.#code[slot]!;
    this.#extreme[slot] = extreme;
    if (code === NEW_HIGH) this.#newExtremeHeap(book, code).push(slot * 2, extreme);
    else this.#newExtremeHeap(book, code).push(slot * 2 + 1, -extreme);
  }

  #placeWindow(book: Book, slot: number): void {
    const windowSeconds = this.#windowSeconds[slot]!;
    let group = book.windows.get(windowSeconds);
    if (!group) {
      group = new WindowGroup(windowSeconds, this.#levelPositions);
      book.windows.set(windowSeconds, group);
      book.windowGroups.push(group);
    }
    const code = this.#code[slot]!;
    const percent = this.#param[slot]!;
    if (code !== WINDOW_DOWN) group.up.push(slot * 2, percent);
    if (code !== WINDOW_UP) group.down.push(slot * 2 + 1, percent);
    group.upTop = -1;
    group.downTop = -1;
    book.markWindowsStale();
  }

  #unplaceWindow(book: Book, slot: number): void {
    const group = book.windows.get(this.#windowSeconds[slot]!)!;
    if (group.up.has(slot * 2)) group.up.remove(slot * 2);
    if (group.down.has(slot * 2 + 1)) group.down.remove(slot * 2 + 1);
    group.upTop = -1;
    group.downTop = -1;
    book.markWindowsStale();
  }

  #placeAwaitingBand(book: Book, slot: number): void {
    const band = bandLevelOf(this.#conditionOf(slot))!;
    if (this.#code[slot] === ABOVE) {
      book.rearmBelow ??= new IndexedMinHeap(this.#levelPositions, this.#tops, book.topsAt + TOP_REARM_BELOW);
      book.rearmBelow.push(slot * 2 + 1, -band);
    } else {
      book.rearmAbove ??= new IndexedMinHeap(this.#levelPositions, this.#tops, book.topsAt + TOP_REARM_ABOVE);
      book.rearmAbove.push(slot * 2, band);
    }
  }

  #conditionOf(slot: number): AlertCondition {
    const code = this.#code[slot]!;
    const period = isWindow(code) ? this.#windowSeconds[slot]! : this.#period[slot]!;
    return conditionOf(code, this.#param[slot]!, this.#flags[slot]!, period);
  }

  #ruleOfSlot(slot: number): AlertRule {
    const cooldownSeconds = this.#cooldownSeconds[slot]!;
    const expiresAt = this.#expiresAt[slot]!;
    return {
      condition: this.#conditionOf(slot),
      cooldownMs: cooldownSeconds > 0 ? cooldownSeconds * 1000 : null,
      expiresAtMs: Number.isNaN(expiresAt) ? null : expiresAt,
      regularHoursOnly: (this.#flags[slot]! & FLAG_REGULAR_HOURS) !== 0,
      symbol: this.#books[this.#bookOf[slot]!]!.entry.symbol,
    };
  }

  /** Removes an alert from every structure. `fromFiring`: it already left its firing structure. */
  #removeSlot(slot: number, fromFiring = false): void {
    const book = this.#books[this.#bookOf[slot]!]!;
    const code = this.#code[slot]!;
    const phase = this.#phase[slot]!;
    if (!fromFiring && isStudy(code)) this.#unplaceStudy(slot);
    else if (!fromFiring) {
      if (phase === COOLING) book.cooldown!.remove(slot);
      if (isTrailing(code)) {
        this.#trailingBook(book, code).remove(slot, phase === ARMED);
      } else if (isNewExtreme(code)) {
        if (phase === ARMED) this.#newExtremeHeap(book, code).remove(slot * 2 + (code === NEW_HIGH ? 0 : 1));
        else this.#extremeTracker(book, code).remove(slot, false);
      } else if (phase === ARMED && isWindow(code)) {
        this.#unplaceWindow(book, slot);
      } else if (phase === ARMED) {
        if (!Number.isNaN(this.#upperLevel[slot]!)) book.upper!.remove(slot * 2);
        if (!Number.isNaN(this.#lowerLevel[slot]!)) book.lower!.remove(slot * 2 + 1);
      } else if (phase === AWAITING_BAND) {
        if (code === ABOVE) book.rearmBelow!.remove(slot * 2 + 1);
        else book.rearmAbove!.remove(slot * 2);
      }
    }
    if (!Number.isNaN(this.#expiresAt[slot]!)) {
      const expiry = book.entry.expiry!;
      expiry.remove(slot);
      this.#lines.array[book.entry.line + LINE_EXPIRY] = expiry.peekKey();
    }
    if (this.#flags[slot]! & FLAG_SESSION) book.sessionEnds!.remove(slot);
    book.size--;
    this.#ids.delete(slot);
    this.#phase[slot] = FREE;
    this.#freeSlots.push(slot);
    this.#liveCount--;
    if (!fromFiring) this.#refreshGates(book);
  }

  #stateOf(slot: number): AlertRuntimeState {
    const code = this.#code[slot]!;
    const nullable = (x: number) => (Number.isNaN(x) ? null : x);
    let extreme: number | null = null;
    const book = this.#books[this.#bookOf[slot]!]!;
    if (isTrailing(code)) {
      const peak = this.#trailingBook(book, code).peakOf(slot);
      extreme = isMirrored(code) ? -peak : peak;
    } else if (isNewExtreme(code)) {
      if (this.#phase[slot] === ARMED) extreme = this.#extreme[slot]!;
      else {
        const peak = this.#extremeTracker(book, code).peakOf(slot);
        extreme = code === NEW_HIGH ? peak : -peak;
      }
    }
    const levels = !isTrailing(code) && !isNewExtreme(code);
    const state: AlertRuntimeState = {
      generation: this.#generation[slot]!,
      phase: PHASE_NAMES[this.#phase[slot]!]!,
      referencePrice: this.#reference[slot]!,
      upper: levels ? nullable(this.#upperLevel[slot]!) : null,
      lower: levels ? nullable(this.#lowerLevel[slot]!) : null,
      extreme,
      lastFiredAt: nullable(this.#firedAt[slot]!),
      lastFirePrice: nullable(this.#firedPrice[slot]!),
    };
    if (this.#flags[slot]! & FLAG_SESSION) state.extremeSince = nullable(this.#extremeSince[slot]!);
    if (code === AVERAGE_CROSS) state.watch = watchName(this.#watch[slot]!);
    return state;
  }

  // --- storage --------------------------------------------------------------------------------------------

  #entryFor(symbol: string): SymbolEntry {
    let entry = this.#symbols.get(symbol);
    if (!entry) {
      const line = this.#lines.allocate();
      entry = {
        symbol,
        allHours: null,
        regularHours: null,
        expiry: null,
        windows: new SymbolWindows(this.#lines, line),
        line,
      };
      this.#symbols.set(symbol, entry);
      this.#symbolNumbers.set(symbol, line / LINE_STRIDE);
      this.#entries[line / LINE_STRIDE] = entry;
    }
    return entry;
  }

  #bookFor(entry: SymbolEntry, regularHoursOnly: boolean): Book {
    const existing = regularHoursOnly ? entry.regularHours : entry.allHours;
    if (existing) return existing;
    const book = new Book(this.#books.length, entry, this.#lines, this.#tops, regularHoursOnly);
    this.#books.push(book);
    if (regularHoursOnly) entry.regularHours = book;
    else entry.allHours = book;
    return book;
  }

  #upperHeap(book: Book): IndexedMinHeap {
    book.upper ??= new IndexedMinHeap(this.#levelPositions, this.#tops, book.topsAt + TOP_UPPER);
    return book.upper;
  }

  #lowerHeap(book: Book): IndexedMinHeap {
    book.lower ??= new IndexedMinHeap(this.#levelPositions, this.#tops, book.topsAt + TOP_LOWER);
    return book.lower;
  }

  #cooldownHeap(book: Book): IndexedMinHeap {
    book.cooldown ??= new IndexedMinHeap(this.#cooldownPositions, this.#tops, book.topsAt + TOP_COOLDOWN);
    return book.cooldown;
  }

  #newExtremeHeap(book: Book, code: number): IndexedMinHeap {
    if (code === NEW_HIGH) {
      book.newHighs ??= new IndexedMinHeap(this.#levelPositions, this.#tops, book.topsAt + TOP_NEW_HIGHS);
      return book.newHighs;
    }
    book.newLows ??= new IndexedMinHeap(this.#levelPositions, this.#tops, book.topsAt + TOP_NEW_LOWS);
    return book.newLows;
  }

  /** Cooling new highs (lows, on negated prices): a TrailingBook's peak merges, with no alert ever armed in it. */
  #extremeTracker(book: Book, code: number): TrailingBook {
    if (code === NEW_HIGH) {
      book.highTracker ??= new TrailingBook(
        this.#trailingNodes,
        "amount",
        false,
        this.#tops,
        book.topsAt + TOP_HIGH_TRACKER,
        book.topsAt + TOP_TRACKER_FIRE_UNUSED,
      );
      return book.highTracker;
    }
    book.lowTracker ??= new TrailingBook(
      this.#trailingNodes,
      "amount",
      true,
      this.#tops,
      book.topsAt + TOP_LOW_TRACKER,
      book.topsAt + TOP_TRACKER_FIRE_UNUSED,
    );
    return book.lowTracker;
  }

  #trailingBook(book: Book, code: number): TrailingBook {
    const t = code - TRAIL_DOWN_PERCENT;
    let trailing = book.trailing[t];
    if (!trailing) {
      const unit = code === TRAIL_DOWN_PERCENT || code === TRAIL_UP_PERCENT ? "percent" : "amount";
      trailing = new TrailingBook(
        this.#trailingNodes,
        unit,
        isMirrored(code),
        this.#tops,
        book.topsAt + TOP_TRAILING_PEAK + t,
        book.topsAt + TOP_TRAILING_FIRE + t,
        book.topsAt + TOP_TRAILING_FAST + t,
      );
      book.trailing[t] = trailing;
    }
    return trailing;
  }

  #allocate(): number {
    this.#liveCount++;
    const reused = this.#freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.#highWater === this.#capacity) this.#grow(this.#capacity * 2);
    return this.#highWater++;
  }

  #grow(capacity: number): void {
    const words = new Uint32Array(capacity * 4);
    words.set(this.#idWords);
    this.#idWords = words;
    this.#code = grow8(this.#code, capacity);
    this.#phase = grow8(this.#phase, capacity);
    this.#flags = grow8(this.#flags, capacity);
    this.#bookOf = grow32(this.#bookOf, capacity);
    this.#param = grow64(this.#param, capacity);
    this.#reference = grow64(this.#reference, capacity);
    this.#upperLevel = grow64(this.#upperLevel, capacity);
    this.#lowerLevel = grow64(this.#lowerLevel, capacity);
    this.#generation = grow32(this.#generation, capacity);
    this.#cooldownSeconds = grow32(this.#cooldownSeconds, capacity);
    this.#expiresAt = grow64(this.#expiresAt, capacity);
    this.#firedAt = grow64(this.#firedAt, capacity);
    this.#firedPrice = grow64(this.#firedPrice, capacity);
    this.#windowSeconds = grow32(this.#windowSeconds, capacity);
    this.#extreme = grow64(this.#extreme, capacity);
    this.#extremeSince = grow64(this.#extremeSince, capacity);
    this.#period = grow32(this.#period, capacity);
    this.#watch = grow8(this.#watch, capacity);
    this.#groupOf = grow32(this.#groupOf, capacity);
    this.#levelPositions.ensure(capacity * 2);
    this.#cooldownPositions.ensure(capacity);
    this.#expiryPositions.ensure(capacity);
    this.#sessionPositions.ensure(capacity);
    this.#trailingNodes.grow(capacity);
    this.#capacity = capacity;
  }
}

/**
 * windowsQuiet, but a tick that only moves some windows' extremes (a low below the highest window low, a high
 * above the lowest window high) is absorbed into the book's gates rather than read group by group. Each window
 * low it moves becomes this low, so every group's new up level is at least this low's level at the book's
 * smallest up percent: the high gate drops to that bound, and the floor to this low (likewise for highs). The
 * groups' cached readings miss the move, so they read the history again when next matched. Most ticks that leave
 * the quiet zone do so this way (a new extreme of the shortest window), and now cost a few comparisons.
 */
function windowsQuietAbsorbing(book: Book, high: number, low: number): boolean {
  if (book.windowGatesStale) return false;
  let moved = false;
  if (low < book.windowLowFloor) {
    const bound = low * upFactor(book.windowUpPercent) * (1 - LEVEL_SLACK);
    if (bound < book.windowHighGate) book.windowHighGate = bound;
    book.windowLowFloor = low;
    moved = true;
  }
  if (high > book.windowHighCeiling) {
    const bound = high * downFactor(book.windowDownPercent) * (1 + LEVEL_SLACK);
    if (bound > book.windowLowGate) book.windowLowGate = bound;
    book.windowHighCeiling = high;
    moved = true;
  }
  if (moved) {
    book.windowReadingsStale = true;
    book.publishQuietZone();
  }
  return high < book.windowHighGate && low > book.windowLowGate;
}

/** The tick reaches one of the book's gates (see Book.publishQuietZone). */
function gatePassed(book: Book, ts: number, high: number, low: number): boolean {
  const row = book.tops.array;
  const b = book.topsAt;
  return high >= row[b + GATE_HIGH]! || low <= row[b + GATE_LOW]! || ts >= row[b + GATE_TIME]!;
}

/** Nothing in the book's window groups can fire on this tick (see Book.windowGatesStale). */
function windowsQuiet(book: Book, high: number, low: number): boolean {
  return (
    !book.windowGatesStale &&
    high < book.windowHighGate &&
    low > book.windowLowGate &&
    low >= book.windowLowFloor &&
    high <= book.windowHighCeiling
  );
}

function byAlertId(a: MatchEvent, b: MatchEvent): number {
  return a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0;
}

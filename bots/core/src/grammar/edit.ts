import type { AlertRef, EditCommand, EditLevel, ParseResult } from "./commands.ts";
import {
  type AlertOptionsGiven,
  OPTION_WORDS,
  parseAlertRef,
  parseCondition,
  readAlertOptions,
  readWindowWords,
  splitAlertWords,
  startsExtreme,
  Words,
} from "./parse.ts";
import { answerOrRefusal, Refusal, refuse, valueOrRefuse } from "./refusal.ts";
import { readMultiple } from "./studies.ts";
import { normalizeInput, type Token, tokenize } from "./tokens.ts";
import { looksLikePercent, readCooldown, readExpiry, readNote, readPercent, readPrice } from "./values.ts";

// `/edit N …`: the create grammar's own readers (conditions from parse.ts, options from readAlertOptions, values
// from values.ts) after an alert reference, so a level or an option reads the same in both commands.

const EXAMPLE = "/edit 2 above 210";

/** `/edit 2 above 210`, `/edit 2 210`, `/edit 3 5%`, `/edit 2 note "trim" repeat 1h`, `/edit 2 expires never`. */
export function parseEdit(args: Token[], now: Date): EditCommand {
  const [refToken, ...rest] = args;
  if (refToken === undefined)
    refuse("Which alert, and what should change? Send /alerts to see them numbered.", EXAMPLE);
  const ref = withExample(EXAMPLE, () => parseAlertRef("edit", [refToken.text]));
  const { tokens, turnedOff } = withoutTurnedOff(rest);
  const words = new Words(splitAlertWords(tokens));
  if (turnedOff.size > 0 && words.done()) return withTurnedOff(editCommand(ref, null, {}), turnedOff);
  if (words.done()) {
    refuse(
      'What should change? Give a level (above 210, 210, 5%), a window (within 4h), note "text" or no note, repeat 1h, once, expires 3d or expires never, rth or no rth, urgent or no urgent.',
      editExample(ref),
    );
  }
  const level = readLevel(words, ref);
  const options = withEditExample(ref, () => readAlertOptions(words, now, `${editExample(ref)} repeat 1h`));
  const both =
    (turnedOff.has("note") && options.note !== undefined) ||
    (turnedOff.has("rth") && options.regularHoursOnly !== undefined) ||
    (turnedOff.has("urgent") && options.urgent !== undefined);
  if (both) refuse("Say each option once: either turn it on or say no.", editExample(ref, "no rth"));
  return withTurnedOff(editCommand(ref, level, options), turnedOff);
}

/** `note -` (or Discord's `note:-`) removes the note: a note of a single dash is no note. */
const NO_NOTE = "-";

/** What `no …` turns off in an edit. */
type TurnedOff = "note" | "rth" | "urgent";
const TURNS_OFF = new Set<string>(["note", "rth", "urgent"]);

/**
 * Takes each `no note`, `no rth`, `no urgent` (two unquoted words, anywhere after the alert) out of the words:
 * the note removed, any hour again, not urgent.
 */
function withoutTurnedOff(tokens: Token[]): { tokens: Token[]; turnedOff: Set<TurnedOff> } {
  const kept: Token[] = [];
  const turnedOff = new Set<TurnedOff>();
  for (let i = 0; i < tokens.length; i++) {
    const what = tokens[i + 1];
    if (!tokens[i]!.quoted && tokens[i]!.text.toLowerCase() === "no" && what && !what.quoted) {
      const name = what.text.toLowerCase();
      if (TURNS_OFF.has(name)) {
        turnedOff.add(name as TurnedOff);
        i++;
        continue;
      }
    }
    kept.push(tokens[i]!);
  }
  return { tokens: kept, turnedOff };
}

function withTurnedOff(command: EditCommand, turnedOff: Set<TurnedOff>): EditCommand {
  return {
    ...command,
    ...(turnedOff.has("note") ? { note: null } : {}),
    ...(turnedOff.has("rth") ? { regularHoursOnly: false } : {}),
    ...(turnedOff.has("urgent") ? { urgent: false } : {}),
  };
}

function editCommand(ref: AlertRef, level: EditLevel | null, options: AlertOptionsGiven): EditCommand {
  return {
    name: "edit",
    ref,
    level,
    ...(options.note === undefined ? {} : { note: options.note === NO_NOTE ? null : options.note }),
    ...(options.repeat === undefined ? {} : { repeat: options.repeat }),
    ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    ...(options.regularHoursOnly === undefined ? {} : { regularHoursOnly: options.regularHoursOnly }),
    ...(options.urgent === undefined ? {} : { urgent: options.urgent }),
  };
}

/** The new level, when the words after the alert start with one (they may start with an option instead). */
function readLevel(words: Words, ref: AlertRef): EditLevel | null {
  const first = words.peek() ?? "";
  if (OPTION_WORDS.has(first.toLowerCase())) return null;
  let level: EditLevel;
  if (/^\d+(\.\d+)?[x×]$/i.test(first)) {
    // `/edit 2 4x`: a volume alert's multiple.
    words.next();
    level = { kind: "multiple", value: valueOrRefuse(readMultiple(first), editExample(ref, "3x")) };
  } else if (startsExtreme(words)) {
    // `/edit 2 52w low`: a whole condition, though it starts with a number.
    level = { kind: "condition", condition: withEditExample(ref, () => parseCondition("AAPL", words)) };
  } else if (/^\$?\d/.test(first) && !looksLikePercent(first)) {
    words.next();
    level = {
      kind: "price",
      value: withEditExample(ref, () => valueOrRefuse(readPrice(first), editExample(ref))),
      text: first,
    };
  } else if (/^\d/.test(first) && looksLikePercent(first)) {
    // An unsigned percentage keeps the alert's direction; a signed one (+5%) is a whole condition.
    words.next();
    const value = withEditExample(ref, () =>
      valueOrRefuse(readPercent(first), `${editExample(ref, "5%")}`),
    ).value;
    level = { kind: "percent", value };
    // `/edit 2 5% within 4h`: the percentage and the window, in the alert's direction.
    if (WITHIN_WORDS.has(words.peekLower() ?? "")) {
      words.next();
      level.windowSeconds = editWindow(words, ref, `${value}% within 1h`);
    }
  } else if (WITHIN_WORDS.has(first.toLowerCase())) {
    // `/edit 2 within 4h`: a new window, the same move.
    words.next();
    level = { kind: "window", seconds: editWindow(words, ref, "within 1h") };
  } else {
    level = { kind: "condition", condition: withEditExample(ref, () => parseCondition("AAPL", words)) };
  }
  const next = words.peek();
  if (next !== undefined && /^\$?\d/.test(next) && readPrice(next.replace(/,$/, "")).ok)
    refuse("One level per edit; set more levels with /alert.", editExample(ref));
  return level;
}

const WITHIN_WORDS = new Set(["within", "in"]);

/** The window after `within` in an edit, read as in `/alert` (5m to 1d, whole minutes). */
function editWindow(words: Words, ref: AlertRef, level: string): number {
  return readWindowWords(words, editExample(ref, level));
}

function editExample(ref: AlertRef, level = "above 210"): string {
  return `/edit ${ref.by === "position" ? ref.position : ref.id.slice(0, 8)} ${level}`;
}

/** Runs a create-grammar reader; its refusal keeps its message and shows an /edit example instead. */
function withEditExample<T>(ref: AlertRef, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Refusal && error.example.startsWith("/alert ")) {
      const level = error.example.replace(/^\/alert \S+ /, "").split("  or  ")[0]!;
      throw new Refusal(error.message, editExample(ref, level));
    }
    throw error;
  }
}

/** parseAlertRef's refusal with an edit that works as its example (`/edit 2` alone changes nothing). */
function withExample<T>(example: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Refusal) throw new Refusal(error.message, example);
    throw error;
  }
}

/** `/alert edit` on Discord: each field as typed (a level like `above 210` or `210`), missing ones unchanged. */
export interface EditOptionsInput {
  alert?: string | undefined;
  level?: string | undefined;
  note?: string | undefined;
  /** A cooldown like `1h`, or `off` (fire once). */
  repeat?: string | undefined;
  /** `3d`, `2026-12-31`, or `never`. */
  expires?: string | undefined;
  regularHoursOnly?: boolean | undefined;
  urgent?: boolean | undefined;
}

/** Builds and checks an edit from structured options, with the same readers and messages as the typed grammar. */
export function editCommandFromOptions(input: EditOptionsInput, options: { now: Date }): ParseResult {
  return answerOrRefusal(() => buildEdit(input, options.now));
}

function buildEdit(input: EditOptionsInput, now: Date): EditCommand {
  if (input.alert === undefined || normalizeInput(input.alert).length === 0)
    refuse("Which alert, and what should change? Send /alerts to see them numbered.", EXAMPLE);
  const ref = withExample(EXAMPLE, () =>
    parseAlertRef("edit", input.alert === undefined ? [] : [normalizeInput(input.alert)]),
  );
  const levelText = input.level === undefined ? "" : normalizeInput(input.level);
  let level: EditLevel | null = null;
  if (levelText.length > 0) {
    const words = new Words(splitAlertWords(tokenize(levelText).tokens));
    level = readLevel(words, ref);
    if (!words.done())
      refuse(`I don't understand "${(words.peek() ?? "").slice(0, 40)}" in the level.`, editExample(ref));
  }
  const given: AlertOptionsGiven = {};
  const example = `${editExample(ref)} repeat 1h`;
  if (input.note !== undefined) {
    given.note = valueOrRefuse(readNote(input.note), example);
  }
  if (input.repeat !== undefined) {
    const text = normalizeInput(input.repeat).toLowerCase();
    given.repeat = ["off", "once", "no", "none", "never"].includes(text)
      ? null
      : { cooldownSeconds: valueOrRefuse(readCooldown(text), example) };
  }
  if (input.expires !== undefined) {
    const text = normalizeInput(input.expires).toLowerCase();
    given.expiresAt = text === "never" ? null : valueOrRefuse(readExpiry(text, now), example);
  }
  if (input.regularHoursOnly !== undefined) given.regularHoursOnly = input.regularHoursOnly;
  if (input.urgent !== undefined) given.urgent = input.urgent;
  if (level === null && Object.keys(given).length === 0)
    refuse(
      "What should change? Give a level, a note, a repeat, an expiry, regular hours only or urgent.",
      editExample(ref),
    );
  return editCommand(ref, level, given);
}

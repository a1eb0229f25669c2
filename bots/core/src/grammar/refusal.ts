import type { CommandError } from "./commands.ts";
import type { Read } from "./values.ts";

/** A command refused with a message and a working example: thrown inside the parsers, caught by `answerOrRefusal`. */
export class Refusal extends Error {
  readonly example: string;
  constructor(message: string, example: string) {
    super(message);
    this.example = example;
  }
}

export function refuse(message: string, example: string): never {
  throw new Refusal(message, example);
}

/** The value read, or a refusal that gives the reader's reason as a sentence. */
export function valueOrRefuse<T>(read: Read<T>, example: string): T {
  if (!read.ok) refuse(capitalize(read.reason), example);
  return read.value;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Runs a parser that refuses by throwing, and turns a refusal into the error half of a result. */
export function answerOrRefusal<C>(
  parse: () => C,
): { ok: true; command: C } | { ok: false; error: CommandError } {
  try {
    return { ok: true, command: parse() };
  } catch (error) {
    if (error instanceof Refusal)
      return { ok: false, error: { message: error.message, example: error.example } };
    throw error;
  }
}

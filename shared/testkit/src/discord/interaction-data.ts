import type { Json } from "./errors.ts";

export type OptionValue = string | number | boolean;
/** Option values by name, as a user would fill them in: `{ ticker: "AAPL", value: 200 }`. */
export type OptionValues = Readonly<Record<string, OptionValue>>;

/** Application command option types (Discord's numbers). */
const OptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

/** Option types whose value is the id of a guild object, resolved in `data.resolved`. */
export const REFERENCE_OPTION_TYPES: readonly number[] = [
  OptionType.Channel,
  OptionType.Role,
  OptionType.Mentionable,
];

export interface DeclaredOption {
  type: number;
  /** For channel options: the channel types the user may pick (empty or absent: any). */
  channel_types?: number[];
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: OptionValue }[];
  options?: DeclaredOption[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
}

export interface DeclaredCommand {
  id: string;
  name: string;
  type?: number;
  guild_id?: string;
  options?: DeclaredOption[];
}

export interface BuildOptions {
  /** The option the user is typing in (autocomplete); its value is sent as the raw typed string. */
  focused?: string;
  /**
   * Check the values against the registered declaration (types, choices, ranges, required) as Discord's client does
   * before it sends anything. Default true.
   */
  validate?: boolean;
  /**
   * Checks the id given to a channel, role or mentionable option (it must name something of the guild the command is
   * used in); throws with the reason Discord's client would not offer it.
   */
  checkReference?: (where: string, declared: DeclaredOption, id: string) => void;
}

function inferType(value: OptionValue): number {
  if (typeof value === "boolean") return OptionType.Boolean;
  if (typeof value === "number") return Number.isInteger(value) ? OptionType.Integer : OptionType.Number;
  return OptionType.String;
}

function checkValue(
  where: string,
  declared: DeclaredOption,
  value: OptionValue,
  options: BuildOptions,
): void {
  const fail = (why: string) => {
    throw new Error(
      `FakeDiscord: ${where} option "${declared.name}" ${why}; Discord's client would not send this`,
    );
  };
  switch (declared.type) {
    case OptionType.String:
      if (typeof value !== "string") fail("is a string option");
      break;
    case OptionType.Integer:
      if (typeof value !== "number" || !Number.isInteger(value)) fail("is an integer option");
      break;
    case OptionType.Number:
      if (typeof value !== "number" || !Number.isFinite(value)) fail("is a number option");
      break;
    case OptionType.Boolean:
      if (typeof value !== "boolean") fail("is a boolean option");
      break;
    case OptionType.Attachment:
      // The id of a file the user attached (FakeDiscord.attachFile); its details go in `resolved.attachments`.
      if (typeof value !== "string") fail("is an attachment option: give FakeDiscord.attachFile's id");
      break;
    case OptionType.Channel:
    case OptionType.Role:
    case OptionType.Mentionable:
      // The user picks from a list, so the value is always an id of the guild.
      if (typeof value !== "string" || !/^\d+$/.test(value)) fail("takes an id (a snowflake string)");
      else options.checkReference?.(where, declared, value);
      break;
    default:
      fail(`has type ${declared.type}, which the fake cannot fill in yet`);
  }
  if (
    declared.choices &&
    declared.choices.length > 0 &&
    !declared.choices.some((choice) => choice.value === value)
  ) {
    fail(`must be one of ${declared.choices.map((choice) => JSON.stringify(choice.value)).join(", ")}`);
  }
  if (typeof value === "number") {
    if (declared.min_value !== undefined && value < declared.min_value)
      fail(`must be >= ${declared.min_value}`);
    if (declared.max_value !== undefined && value > declared.max_value)
      fail(`must be <= ${declared.max_value}`);
  }
  if (typeof value === "string") {
    if (declared.min_length !== undefined && value.length < declared.min_length)
      fail(`must be at least ${declared.min_length} long`);
    if (declared.max_length !== undefined && value.length > declared.max_length)
      fail(`must be at most ${declared.max_length} long`);
  }
}

function leafOptions(
  where: string,
  values: OptionValues,
  declared: DeclaredOption[] | undefined,
  options: BuildOptions,
): Json[] {
  const validate = options.validate !== false && declared !== undefined;

  const out: Json[] = [];
  for (const [name, value] of Object.entries(values)) {
    const declaration = declared?.find((option) => option.name === name);
    if (validate && !declaration) {
      const known = (declared ?? []).map((option) => option.name).join(", ") || "none";
      throw new Error(`FakeDiscord: ${where} has no option "${name}" (declared: ${known})`);
    }
    if (options.focused === name) {
      // While typing, Discord sends the raw text whatever the option's type.
      out.push({ name, type: declaration?.type ?? OptionType.String, value: String(value), focused: true });
      continue;
    }
    if (validate && declaration) checkValue(where, declaration, value, options);
    out.push({ name, type: declaration?.type ?? inferType(value), value });
  }
  if (validate && options.focused === undefined) {
    for (const option of declared ?? []) {
      if (option.required === true && !(option.name in values)) {
        throw new Error(
          `FakeDiscord: ${where} requires option "${option.name}"; Discord's client would not send without it`,
        );
      }
    }
  }
  if (options.focused !== undefined && !(options.focused in values)) {
    out.push({ name: options.focused, type: OptionType.String, value: "", focused: true });
  }
  return out;
}

/**
 * Builds `data` of an application command interaction from a path like "alert price" (command, optional group,
 * subcommand) and option values, typed from the registered declaration when there is one.
 */
export function buildCommandData(
  path: string,
  values: OptionValues,
  declared: DeclaredCommand | undefined,
  options: BuildOptions,
): Json {
  const [name, ...nested] = path.trim().split(/\s+/);
  if (!name) throw new Error("FakeDiscord: empty command path");
  if (nested.length > 2) throw new Error(`FakeDiscord: "${path}" has more than a group and a subcommand`);

  const validate = options.validate !== false;
  let wrappers: { name: string; type: number }[] = [];
  let leafDeclaration: DeclaredOption[] | undefined = declared?.options;
  let where = `/${name}`;
  let resolved = declared !== undefined;
  for (const part of declared ? nested : []) {
    const next = leafDeclaration?.find(
      (option) =>
        option.name === part &&
        (option.type === OptionType.Subcommand || option.type === OptionType.SubcommandGroup),
    );
    if (!next) {
      if (validate) throw new Error(`FakeDiscord: ${where} has no subcommand or group "${part}"`);
      resolved = false;
      break;
    }
    wrappers.push({ name: part, type: next.type });
    leafDeclaration = next.options;
    where = `${where} ${part}`;
  }
  if (resolved && validate) {
    if (
      leafDeclaration?.some(
        (option) => option.type === OptionType.Subcommand || option.type === OptionType.SubcommandGroup,
      )
    ) {
      throw new Error(`FakeDiscord: ${where} needs a subcommand`);
    }
  }
  if (!resolved) {
    // Nothing registered (or validation off and the path unknown): infer the shape from the path alone.
    wrappers = nested.map((part, i) => ({
      name: part,
      type: nested.length === 2 && i === 0 ? OptionType.SubcommandGroup : OptionType.Subcommand,
    }));
    leafDeclaration = undefined;
    where = `/${path.trim()}`;
  }

  let built: Json[] = leafOptions(where, values, resolved ? (leafDeclaration ?? []) : undefined, options);
  for (const wrapper of wrappers.reverse())
    built = [{ name: wrapper.name, type: wrapper.type, options: built }];
  const data: Json = { id: declared?.id ?? "0", name, type: declared?.type ?? 1, options: built };
  if (declared?.guild_id) data.guild_id = declared.guild_id;
  return data;
}

import {
  DiscordErrorCode,
  DiscordHttpError,
  type FieldProblem,
  invalidFormBody,
  type Json,
} from "./errors.ts";

// The limits below are Discord's documented ones; enforcing them makes a bot bug fail here instead of in production.

function tooLong(path: string, max: number): FieldProblem {
  return { path, code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${max} or fewer in length.` };
}

function checkLength(problems: FieldProblem[], path: string, value: unknown, max: number): void {
  if (typeof value === "string" && value.length > max) problems.push(tooLong(path, max));
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asObject(value: unknown): Json {
  return typeof value === "object" && value !== null ? (value as Json) : {};
}

function embedProblems(embeds: unknown[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (embeds.length > 10) problems.push(tooLong("embeds", 10));
  let total = 0;
  const count = (value: unknown) => {
    if (typeof value === "string") total += value.length;
  };
  embeds.forEach((raw, i) => {
    const embed = asObject(raw);
    const at = `embeds.${i}`;
    checkLength(problems, `${at}.title`, embed.title, 256);
    checkLength(problems, `${at}.description`, embed.description, 4096);
    count(embed.title);
    count(embed.description);
    const footer = asObject(embed.footer);
    checkLength(problems, `${at}.footer.text`, footer.text, 2048);
    count(footer.text);
    const author = asObject(embed.author);
    checkLength(problems, `${at}.author.name`, author.name, 256);
    count(author.name);
    const fields = asArray(embed.fields);
    if (fields.length > 25) problems.push(tooLong(`${at}.fields`, 25));
    fields.forEach((rawField, j) => {
      const field = asObject(rawField);
      if (typeof field.name !== "string" || field.name.length === 0) {
        problems.push({
          path: `${at}.fields.${j}.name`,
          code: "BASE_TYPE_REQUIRED",
          message: "This field is required",
        });
      }
      if (typeof field.value !== "string" || field.value.length === 0) {
        problems.push({
          path: `${at}.fields.${j}.value`,
          code: "BASE_TYPE_REQUIRED",
          message: "This field is required",
        });
      }
      checkLength(problems, `${at}.fields.${j}.name`, field.name, 256);
      checkLength(problems, `${at}.fields.${j}.value`, field.value, 1024);
      count(field.name);
      count(field.value);
    });
  });
  if (total > 6000)
    problems.push({
      path: "embeds",
      code: "MAX_EMBED_SIZE_EXCEEDED",
      message: "Embed size exceeds maximum size of 6000",
    });
  return problems;
}

function componentProblems(rows: unknown[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (rows.length > 5) problems.push(tooLong("components", 5));
  rows.forEach((rawRow, i) => {
    const row = asObject(rawRow);
    if (row.type !== 1) return;
    const children = asArray(row.components);
    if (children.length > 5) problems.push(tooLong(`components.${i}.components`, 5));
    children.forEach((rawChild, j) => {
      const child = asObject(rawChild);
      const at = `components.${i}.components.${j}`;
      checkLength(problems, `${at}.custom_id`, child.custom_id, 100);
      checkLength(problems, `${at}.label`, child.label, 80);
      // A button that is not a link needs a custom_id to be pressable.
      if (child.type === 2 && child.style !== 5 && child.style !== 6 && typeof child.custom_id !== "string") {
        problems.push({
          path: `${at}.custom_id`,
          code: "BASE_TYPE_REQUIRED",
          message: "This field is required",
        });
      }
    });
  });
  return problems;
}

/** Validates a message create/edit body; `requireSomething` is false for edits, which may change only one field. */
export function assertValidMessageBody(body: Json, requireSomething: boolean): void {
  const problems: FieldProblem[] = [];
  checkLength(problems, "content", body.content, 2000);
  problems.push(...embedProblems(asArray(body.embeds)));
  problems.push(...componentProblems(asArray(body.components)));
  if (body.nonce !== undefined && body.nonce !== null) {
    checkLength(problems, "nonce", typeof body.nonce === "number" ? String(body.nonce) : body.nonce, 25);
  }
  if (problems.length > 0) throw invalidFormBody(problems);
  const empty =
    (typeof body.content !== "string" || body.content.length === 0) &&
    asArray(body.embeds).length === 0 &&
    asArray(body.components).length === 0 &&
    asArray(body.attachments).length === 0 &&
    body.poll === undefined;
  if (requireSomething && empty) {
    throw new DiscordHttpError(400, {
      message: "Cannot send an empty message",
      code: DiscordErrorCode.CannotSendEmptyMessage,
    });
  }
}

export function assertValidAutocompleteChoices(data: Json): void {
  const problems: FieldProblem[] = [];
  const choices = asArray(data.choices);
  if (choices.length > 25) problems.push(tooLong("data.choices", 25));
  choices.forEach((raw, i) => {
    const choice = asObject(raw);
    if (typeof choice.name !== "string" || choice.name.length === 0) {
      problems.push({
        path: `data.choices.${i}.name`,
        code: "BASE_TYPE_REQUIRED",
        message: "This field is required",
      });
    }
    checkLength(problems, `data.choices.${i}.name`, choice.name, 100);
    checkLength(problems, `data.choices.${i}.value`, choice.value, 100);
  });
  if (problems.length > 0) throw invalidFormBody(problems);
}

const COMMAND_NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function optionProblems(options: unknown[], at: string, problems: FieldProblem[], depth: number): void {
  if (options.length > 25) problems.push(tooLong(at, 25));
  let sawOptional = false;
  options.forEach((raw, i) => {
    const option = asObject(raw);
    const here = `${at}.${i}`;
    const type = option.type;
    if (
      typeof option.name !== "string" ||
      !COMMAND_NAME.test(option.name) ||
      option.name !== option.name.toLowerCase()
    ) {
      problems.push({
        path: `${here}.name`,
        code: "APPLICATION_COMMAND_INVALID_NAME",
        message: "Command name is invalid",
      });
    }
    if (
      typeof option.description !== "string" ||
      option.description.length < 1 ||
      option.description.length > 100
    ) {
      problems.push({
        path: `${here}.description`,
        code: "BASE_TYPE_BAD_LENGTH",
        message: "Must be between 1 and 100 in length.",
      });
    }
    if (type === 1 || type === 2) {
      const maxDepth = type === 2 ? 0 : 1;
      if (depth > maxDepth) {
        problems.push({
          path: `${here}.type`,
          code: "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
          message: "Sub-command nesting is too deep",
        });
      }
      optionProblems(asArray(option.options), `${here}.options`, problems, depth + 1);
      return;
    }
    if (option.required === true) {
      if (sawOptional) {
        problems.push({
          path: `${here}.required`,
          code: "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
          message: "Required options must be placed before non-required options",
        });
      }
    } else {
      sawOptional = true;
    }
    const choices = asArray(option.choices);
    if (choices.length > 25) problems.push(tooLong(`${here}.choices`, 25));
    if (choices.length > 0 && option.autocomplete === true) {
      problems.push({
        path: `${here}.autocomplete`,
        code: "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
        message: "Autocomplete cannot be set with choices",
      });
    }
  });
}

/** Validates a bulk-overwrite (PUT) or create (POST) command registration the way Discord does before accepting it. */
export function assertValidCommands(commands: unknown[]): void {
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  commands.forEach((raw, i) => {
    const command = asObject(raw);
    const type = (command.type as number | undefined) ?? 1;
    if (
      typeof command.name !== "string" ||
      !COMMAND_NAME.test(command.name) ||
      (type === 1 && command.name !== command.name.toLowerCase())
    ) {
      problems.push({
        path: `${i}.name`,
        code: "APPLICATION_COMMAND_INVALID_NAME",
        message: "Command name is invalid",
      });
    }
    const key = `${type}:${String(command.name)}`;
    if (names.has(key))
      problems.push({
        path: `${i}.name`,
        code: "APPLICATION_COMMANDS_DUPLICATE_NAME",
        message: "Application command names must be unique",
      });
    names.add(key);
    if (
      type === 1 &&
      (typeof command.description !== "string" ||
        command.description.length < 1 ||
        command.description.length > 100)
    ) {
      problems.push({
        path: `${i}.description`,
        code: "BASE_TYPE_BAD_LENGTH",
        message: "Must be between 1 and 100 in length.",
      });
    }
    optionProblems(asArray(command.options), `${i}.options`, problems, 0);
  });
  if (problems.length > 0) throw invalidFormBody(problems);
}

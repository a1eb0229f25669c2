import { fileURLToPath } from "node:url";

// The alert service's OpenAPI document as TypeScript types: every route with its parameters, JSON body and JSON
// answers, and the named schemas. Only what the alert service's document uses (OpenAPI 3.0 from zod) is read;
// anything else becomes `unknown`, never a wrong type.

/** An OpenAPI 3.0 schema object, as far as it is read here. */
interface SchemaObject {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  enum?: unknown[];
  nullable?: boolean;
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  allOf?: SchemaObject[];
  description?: string;
}

interface ParameterObject {
  $ref?: string;
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: SchemaObject;
}

interface MediaTypes {
  content?: Record<string, { schema?: SchemaObject }>;
}

interface OperationObject {
  operationId?: string;
  summary?: string;
  parameters?: ParameterObject[];
  requestBody?: MediaTypes & { required?: boolean };
  responses?: Record<string, MediaTypes>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, SchemaObject>; parameters?: Record<string, ParameterObject> };
}

const METHODS = ["get", "put", "post", "delete", "patch"] as const;
const PARAMETER_PLACES = ["path", "query", "header"] as const;
const JSON_MEDIA = "application/json";

/** A comment line for a description (one line; `*​/` cannot end it early). */
function doc(text: string | undefined, indent: string): string {
  if (!text) return "";
  return `${indent}/** ${text.replace(/\s+/g, " ").replace(/\*\//g, "*\\/").trim()} */\n`;
}

function key(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function refName(ref: string, kind: "schemas" | "parameters"): string {
  const prefix = `#/components/${kind}/`;
  if (!ref.startsWith(prefix)) throw new Error(`unsupported reference ${ref}`);
  return ref.slice(prefix.length).replace(/~1/g, "/").replace(/~0/g, "~");
}

/** The TypeScript type of a schema, written at `indent`. */
export function typeOf(schema: SchemaObject | undefined, indent = ""): string {
  if (schema === undefined) return "unknown";
  const nullable = (type: string) => (schema.nullable ? `${type} | null` : type);
  if (schema.$ref !== undefined)
    return nullable(`components["schemas"][${JSON.stringify(refName(schema.$ref, "schemas"))}]`);
  if (schema.enum !== undefined) {
    const values = schema.enum.map((value) => JSON.stringify(value));
    if (schema.nullable && !schema.enum.includes(null)) values.push("null");
    return values.join(" | ");
  }
  const union = schema.oneOf ?? schema.anyOf;
  if (union !== undefined) return nullable(union.map((s) => `(${typeOf(s, indent)})`).join(" | "));
  if (schema.allOf !== undefined)
    return nullable(schema.allOf.map((s) => `(${typeOf(s, indent)})`).join(" & "));
  switch (schema.type) {
    case "string":
      return nullable("string");
    case "number":
    case "integer":
      return nullable("number");
    case "boolean":
      return nullable("boolean");
    case "array":
      return nullable(`(${typeOf(schema.items, indent)})[]`);
    case "object":
    case undefined:
      if (schema.type === undefined && schema.properties === undefined) return nullable("unknown");
      return nullable(objectType(schema, indent));
    default:
      return "unknown";
  }
}

function objectType(schema: SchemaObject, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set(schema.required ?? []);
  const lines = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const optional = required.has(name) ? "" : "?";
    const type = typeOf(property, inner) + (optional ? " | undefined" : "");
    return `${doc(property.description, inner)}${inner}${key(name)}${optional}: ${type};\n`;
  });
  const extra = schema.additionalProperties;
  if (extra === true || (extra === undefined && schema.properties === undefined)) {
    lines.push(`${inner}[key: string]: unknown;\n`);
  } else if (typeof extra === "object") {
    if (lines.length > 0) return `{\n${lines.join("")}${indent}} & Record<string, ${typeOf(extra, indent)}>`;
    lines.push(`${inner}[key: string]: ${typeOf(extra, inner)};\n`);
  }
  return lines.length === 0 ? "Record<string, never>" : `{\n${lines.join("")}${indent}}`;
}

function parametersType(document: OpenApiDocument, parameters: ParameterObject[], indent: string): string {
  const resolved = parameters.map((p) =>
    p.$ref === undefined ? p : document.components?.parameters?.[refName(p.$ref, "parameters")],
  );
  const inner = `${indent}  `;
  const places = PARAMETER_PLACES.flatMap((place) => {
    const here = resolved.filter((p): p is ParameterObject => p?.in === place);
    if (here.length === 0) return [];
    const fields = here.map((p) => {
      const optional = p.required ? "" : "?";
      const type = typeOf(p.schema, `${inner}  `) + (optional ? " | undefined" : "");
      return `${doc(p.description, `${inner}  `)}${inner}  ${key(p.name)}${optional}: ${type};\n`;
    });
    const optional = here.some((p) => p.required) ? "" : "?";
    return [`${inner}${place}${optional}: {\n${fields.join("")}${inner}};\n`];
  });
  return places.length === 0 ? "{}" : `{\n${places.join("")}${indent}}`;
}

function jsonOf(media: MediaTypes | undefined, indent: string): string {
  const content = media?.content;
  if (content === undefined) return "null";
  return JSON_MEDIA in content ? typeOf(content[JSON_MEDIA]?.schema, indent) : "unknown";
}

function operationType(document: OpenApiDocument, operation: OperationObject, indent: string): string {
  const inner = `${indent}  `;
  const body = operation.requestBody;
  const responses = Object.entries(operation.responses ?? {}).map(
    ([status, response]) => `${inner}  ${key(status)}: ${jsonOf(response, `${inner}  `)};\n`,
  );
  return [
    "{\n",
    operation.operationId ? `${inner}operationId: ${JSON.stringify(operation.operationId)};\n` : "",
    `${inner}parameters: ${parametersType(document, operation.parameters ?? [], inner)};\n`,
    body === undefined
      ? `${inner}requestBody?: never;\n`
      : `${inner}requestBody${body.required ? "" : "?"}: ${jsonOf(body, inner)};\n`,
    `${inner}responses: {\n${responses.join("")}${inner}};\n`,
    `${indent}}`,
  ].join("");
}

/**
 * The module's source: `paths` (route → method → {operationId, parameters, requestBody, responses by status}) and
 * `components` (the named schemas), as the client reads them.
 */
export function typesFromDocument(document: OpenApiDocument, header: string): string {
  const paths = Object.entries(document.paths).map(([path, item]) => {
    const methods = METHODS.filter((method) => item[method] !== undefined).map((method) => {
      const operation = item[method]!;
      return `${doc(operation.summary, "    ")}    ${method}: ${operationType(document, operation, "    ")};\n`;
    });
    return `  ${JSON.stringify(path)}: {\n${methods.join("")}  };\n`;
  });
  const schemas = Object.entries(document.components?.schemas ?? {}).map(
    ([name, schema]) => `${doc(schema.description, "    ")}    ${key(name)}: ${typeOf(schema, "    ")};\n`,
  );
  return [
    header,
    "\n",
    `export interface paths {\n${paths.join("")}}\n`,
    "\n",
    `export interface components {\n  schemas: {\n${schemas.join("")}  };\n}\n`,
  ].join("");
}

/** Where the generated module is kept (committed, so that building needs no running service). */
export const GENERATED_FILE = fileURLToPath(new URL("./openapi.gen.ts", import.meta.url));

const HEADER = `// Generated from the alert service's OpenAPI document (/openapi.json) by
// \`npm run generate -w @tickerbell/alerts-client\`: do not edit. test/generated.test.ts fails when it is stale.
`;

/** The generated module for this document, exactly as committed. */
export function generatedSource(document: OpenApiDocument): string {
  return typesFromDocument(document, HEADER);
}

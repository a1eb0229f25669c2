import { describe, expect, it } from "vitest";
import { typeOf, typesFromDocument } from "./codegen.ts";

describe("typeOf", () => {
  it("writes each schema form the alert service's document uses", () => {
    expect(typeOf({ type: "integer", nullable: true })).toBe("number | null");
    expect(typeOf({ type: "string", enum: ["above", "below"], nullable: true })).toBe(
      '"above" | "below" | null',
    );
    expect(typeOf({ $ref: "#/components/schemas/Alert" })).toBe('components["schemas"]["Alert"]');
    expect(typeOf({ type: "array", items: { type: "string" } })).toBe("(string)[]");
    expect(typeOf({ oneOf: [{ type: "string" }, { type: "number" }] })).toBe("(string) | (number)");
    expect(typeOf({ type: "object", additionalProperties: { type: "string" } })).toBe(
      "{\n  [key: string]: string;\n}",
    );
    expect(
      typeOf({
        type: "object",
        properties: { id: { type: "string" }, "x-note": { type: "string", description: "a */ note" } },
        required: ["id"],
        additionalProperties: false,
      }),
    ).toBe('{\n  id: string;\n  /** a *\\/ note */\n  "x-note"?: string | undefined;\n}');
    // What it does not know is unknown, never a narrower type.
    expect(typeOf({ type: "file" })).toBe("unknown");
    expect(typeOf({})).toBe("unknown");
  });
});

describe("typesFromDocument", () => {
  it("makes a parameter group optional only when nothing in it is required", () => {
    const source = typesFromDocument(
      {
        paths: {
          "/v1/things/{id}": {
            get: {
              operationId: "getThing",
              parameters: [
                { name: "id", in: "path", required: true, schema: { type: "string" } },
                { name: "limit", in: "query", schema: { type: "integer" } },
              ],
              responses: { "200": { content: { "application/json": { schema: { type: "boolean" } } } } },
            },
          },
        },
      },
      "",
    );
    expect(source).toContain("path: {\n          id: string;");
    expect(source).toContain("query?: {\n          limit?: number | undefined;");
    expect(source).toContain("requestBody?: never;");
    expect(source).toContain('"200": boolean;');
  });
});

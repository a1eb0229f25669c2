// A readable API reference rendered on the server from the OpenAPI document: no scripts, no CDN, so it
// works on an offline machine and cannot drift from the spec.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function section(title: string, body: string): string {
  return `<h4>${escapeHtml(title)}</h4>${body}`;
}

function schemaBlock(schema: Json | undefined): string {
  return schema === undefined ? "" : `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`;
}

function operation(path: string, method: string, op: Obj): string {
  const parts: string[] = [];
  if (typeof op.description === "string") parts.push(`<p>${escapeHtml(op.description)}</p>`);
  const params = Array.isArray(op.parameters) ? op.parameters.filter(isObj) : [];
  if (params.length > 0) {
    const rows = params
      .map(
        (p) =>
          `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td><td>${p.required ? "yes" : "no"}</td><td>${escapeHtml(String(p.description ?? ""))}</td></tr>`,
      )
      .join("");
    parts.push(
      section(
        "Parameters",
        `<table><tr><th>name</th><th>in</th><th>required</th><th>description</th></tr>${rows}</table>`,
      ),
    );
  }
  const body = isObj(op.requestBody) ? op.requestBody : undefined;
  const bodyContent = body && isObj(body.content) ? body.content["application/json"] : undefined;
  if (isObj(bodyContent)) parts.push(section("Request body", schemaBlock(bodyContent.schema)));
  const responses = isObj(op.responses) ? op.responses : {};
  const answers = Object.entries(responses)
    .filter(([, r]) => isObj(r))
    .map(([status, r]) => {
      const res = r as Obj;
      const content = isObj(res.content) ? res.content["application/json"] : undefined;
      const schema = isObj(content) && Number(status) < 400 ? schemaBlock(content.schema) : "";
      return `<li><b>${escapeHtml(status)}</b> ${escapeHtml(String(res.description ?? ""))}${schema}</li>`;
    })
    .join("");
  parts.push(section("Responses", `<ul>${answers}</ul>`));
  return `<details><summary><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code> ${escapeHtml(String(op.summary ?? ""))}</summary>${parts.join("")}</details>`;
}

export function renderDocsPage(spec: Obj): string {
  const info = isObj(spec.info) ? spec.info : {};
  const paths = isObj(spec.paths) ? spec.paths : {};
  const ops = Object.entries(paths)
    .flatMap(([path, item]) =>
      isObj(item)
        ? Object.entries(item)
            .filter(([, op]) => isObj(op))
            .map(([method, op]) => operation(path, method, op as Obj))
        : [],
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(String(info.title ?? "API"))}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
details{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.5rem}
summary{cursor:pointer}pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:.8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}.get{color:#0a6}.post{color:#06c}
.patch{color:#a60}.delete{color:#c22}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem}
</style></head><body>
<h1>${escapeHtml(String(info.title ?? "API"))} <small>v${escapeHtml(String(info.version ?? ""))}</small></h1>
<p>${escapeHtml(String(info.description ?? ""))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${ops}
</body></html>`;
}

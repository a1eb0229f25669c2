# syntax=docker/dockerfile:1
# One image per deployable, from the repository root: the build argument WORKSPACE names the workspace and PORT
# the port it serves its ops endpoints on, e.g.
#   docker build --build-arg WORKSPACE=services/alerts --build-arg PORT=8081 -t tickerbell/alerts .
# (services/alerts 8081, services/pricing 8082, services/matcher 8083, bots/telegram 8084, bots/discord 8085;
# the bots/discord image also runs the slash command registration, bots/discord/src/register.ts.)

# The workspace and the workspaces it depends on for production, transitively, each reduced to its package.json
# and src/; everything else under shared/, services/ and bots/ is removed, so npm installs nothing for the other
# workspaces and the image holds none of their code.
FROM node:24.21.0-trixie-slim AS context
ARG WORKSPACE
ARG PORT
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/ shared/
COPY services/ services/
COPY bots/ bots/
RUN node -e ' \
  const fs = require("node:fs"); \
  const [want, port] = process.argv.slice(1); \
  if (!/^[0-9]+$/.test(port ?? "")) { console.error("PORT must be given: the port the workspace serves /healthz on"); process.exit(1); } \
  const folders = new Map(); \
  const all = []; \
  for (const glob of require("./package.json").workspaces) { \
    const parent = glob.replace(/\/\*$/, ""); \
    for (const name of fs.readdirSync(parent)) { \
      const folder = `${parent}/${name}`; \
      all.push(folder); \
      if (fs.existsSync(`${folder}/package.json`)) folders.set(JSON.parse(fs.readFileSync(`${folder}/package.json`, "utf8")).name, folder); \
    } \
  } \
  if (![...folders.values()].includes(want)) { console.error(`WORKSPACE must name a workspace, not "${want}"`); process.exit(1); } \
  const keep = new Set(); \
  const visit = (folder) => { \
    if (keep.has(folder)) return; \
    keep.add(folder); \
    const deps = JSON.parse(fs.readFileSync(`${folder}/package.json`, "utf8")).dependencies ?? {}; \
    for (const dep of Object.keys(deps)) if (folders.has(dep)) visit(folders.get(dep)); \
  }; \
  visit(want); \
  for (const folder of all) { \
    if (!keep.has(folder)) { fs.rmSync(folder, { recursive: true }); continue; } \
    for (const entry of fs.readdirSync(folder)) \
      if (entry !== "package.json" && entry !== "src") fs.rmSync(`${folder}/${entry}`, { recursive: true }); \
  } \
  ' "$WORKSPACE" "$PORT"

# Only the manifests and the lockfile: the install below is rebuilt only when one of them changes.
FROM node:24.21.0-trixie-slim AS manifests
WORKDIR /app
COPY --from=context /app/ ./
RUN find shared services bots -mindepth 2 -not -name package.json -not -type d -delete \
  && find shared services bots -mindepth 2 -type d -empty -delete

# Production dependencies from the lockfile. The root devDependencies (node, typescript, vitest, ...) stay out:
# the image's own Node 24 runs the TypeScript directly. Optional dependencies stay in: the bots' charts draw with
# resvg's native binary, the optional package for this platform (linux-x64-gnu on this Debian image), and their
# font comes from the dejavu-fonts-ttf package (the slim image has no system fonts).
FROM node:24.21.0-trixie-slim AS deps
ARG WORKSPACE
WORKDIR /app
COPY --from=manifests /app/ ./
RUN npm ci --omit=dev -w "$WORKSPACE" --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The alert service's API reference page (/docs) runs Scalar's browser app, one self-contained script of the
# @scalar/api-reference package. npm pack fetches the package alone, none of its dependencies (Vue, editors,
# build tools the server never runs), and only the script and the manifest are kept. Every image carries it (about
# 3 MB), so this stage does not depend on WORKSPACE and is built once. Keep the version equal to the alert
# service's devDependency (the image test checks both).
FROM node:24.21.0-trixie-slim AS scalar
WORKDIR /scalar
RUN npm pack @scalar/api-reference@1.76.0 --silent \
  && tar -xzf scalar-api-reference-1.76.0.tgz package/package.json package/dist/browser/standalone.js

FROM node:24.21.0-trixie-slim AS runtime
ARG WORKSPACE
ARG PORT
ENV NODE_ENV=production WORKSPACE=${WORKSPACE} PORT=${PORT}
WORKDIR /app
COPY --from=deps /app/ ./
COPY --from=context /app/ ./
COPY --from=scalar /scalar/package/ node_modules/@scalar/api-reference/
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec: node becomes the container's main process and gets its SIGTERM (graceful shutdown).
CMD ["sh", "-c", "exec node \"$WORKSPACE/src/main.ts\""]

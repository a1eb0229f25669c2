import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { Json } from "./errors.ts";
import type { ChangeSignal } from "./waiting.ts";

/** Gateway opcodes (Discord's numbers). */
const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** Close codes the fake uses (Discord's numbers). */
const Close = {
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidApiVersion: 4012,
} as const;

/** How many dispatches a session keeps for replay on RESUME. */
const REPLAY_BUFFER = 1000;

export interface GatewayStats {
  /** Websocket connections accepted. */
  connections: number;
  identifies: number;
  resumes: number;
  heartbeats: number;
  /** RESUMEs refused with INVALID_SESSION. */
  invalidSessions: number;
  /** Dispatches sent or buffered (READY and RESUMED included). */
  dispatches: number;
}

interface Session {
  id: string;
  seq: number;
  buffer: { s: number; payload: string }[];
  socket: WebSocket | null;
  /** The intents IDENTIFY asked for. */
  intents: number;
}

export interface GatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  gatewayUrl: () => string;
  readyData: (sessionId: string, resumeUrl: string) => Json;
  /** Called right after READY is dispatched, to send what Discord sends next (GUILD_CREATE). */
  afterReady?: (intents: number) => void;
  signal: ChangeSignal;
}

/**
 * The gateway side of the fake: HELLO, heartbeat ACK, IDENTIFY → READY, RESUME → replay + RESUMED, and dispatching
 * events to the current session (buffered while the bot is disconnected, as Discord does, so a RESUME replays them).
 */
export class FakeGateway {
  readonly #options: GatewayOptions;
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  readonly #sockets = new Set<WebSocket>();
  #current: Session | null = null;
  readonly stats: GatewayStats = {
    connections: 0,
    identifies: 0,
    resumes: 0,
    heartbeats: 0,
    invalidSessions: 0,
    dispatches: 0,
  };

  constructor(options: GatewayOptions) {
    this.#options = options;
  }

  /** True while the current session has an open websocket. */
  get connected(): boolean {
    return this.#current?.socket?.readyState === WebSocket.OPEN;
  }

  /** The intents of the current session (0 before any IDENTIFY). */
  get intents(): number {
    return this.#current?.intents ?? 0;
  }

  get hasSession(): boolean {
    return this.#current !== null;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", "http://fake");
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      this.#sockets.add(ws);
      ws.on("close", () => {
        this.#sockets.delete(ws);
        this.#options.signal.changed();
      });
      ws.on("error", () => {});
      this.stats.connections += 1;
      if (url.searchParams.get("v") !== "10") {
        ws.close(Close.InvalidApiVersion, "Invalid API version");
        return;
      }
      if ((url.searchParams.get("encoding") ?? "json") !== "json") {
        ws.close(Close.DecodeError, "The fake gateway speaks JSON only");
        return;
      }
      // Text frames only: @discordjs/ws parses text frames as JSON whatever compression it asked for.
      this.#send(ws, { op: Op.Hello, d: { heartbeat_interval: this.#options.heartbeatIntervalMs } });
      let session: Session | null = null;
      ws.on("message", (raw: RawData) => {
        let payload: { op?: unknown; d?: unknown };
        try {
          payload = JSON.parse(raw.toString()) as { op?: unknown; d?: unknown };
        } catch {
          ws.close(Close.DecodeError, "Decode error");
          return;
        }
        session = this.#onPayload(ws, session, payload);
      });
    });
  }

  #onPayload(ws: WebSocket, session: Session | null, payload: { op?: unknown; d?: unknown }): Session | null {
    const d = (typeof payload.d === "object" && payload.d !== null ? payload.d : {}) as Json;
    switch (payload.op) {
      case Op.Heartbeat:
        this.stats.heartbeats += 1;
        this.#send(ws, { op: Op.HeartbeatAck });
        this.#options.signal.changed();
        return session;
      case Op.Identify: {
        if (session) {
          ws.close(Close.AlreadyAuthenticated, "Already authenticated");
          return session;
        }
        if (d.token !== this.#options.token) {
          ws.close(Close.AuthenticationFailed, "Authentication failed");
          return null;
        }
        this.stats.identifies += 1;
        const created: Session = {
          id: randomBytes(16).toString("hex"),
          seq: 0,
          buffer: [],
          socket: ws,
          intents: typeof d.intents === "number" ? d.intents : 0,
        };
        this.#sessions.set(created.id, created);
        this.#current = created;
        const resumeUrl = this.#options.gatewayUrl();
        this.#dispatchTo(created, "READY", this.#options.readyData(created.id, resumeUrl));
        this.#options.afterReady?.(created.intents);
        return created;
      }
      case Op.Resume: {
        if (session) {
          ws.close(Close.AlreadyAuthenticated, "Already authenticated");
          return session;
        }
        if (d.token !== this.#options.token) {
          ws.close(Close.AuthenticationFailed, "Authentication failed");
          return null;
        }
        const resumed = typeof d.session_id === "string" ? this.#sessions.get(d.session_id) : undefined;
        if (!resumed) {
          this.stats.invalidSessions += 1;
          this.#send(ws, { op: Op.InvalidSession, d: false });
          this.#options.signal.changed();
          return null;
        }
        this.stats.resumes += 1;
        if (resumed.socket && resumed.socket !== ws) resumed.socket.terminate();
        resumed.socket = ws;
        this.#current = resumed;
        const since = typeof d.seq === "number" ? d.seq : 0;
        for (const entry of resumed.buffer) if (entry.s > since) ws.send(entry.payload);
        this.#dispatchTo(resumed, "RESUMED", {});
        return resumed;
      }
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestGuildMembers:
        if (!session) ws.close(Close.NotAuthenticated, "Not authenticated");
        return session;
      default:
        ws.close(Close.UnknownOpcode, "Unknown opcode");
        return session;
    }
  }

  /** Sends a dispatch to the current session; buffered for RESUME while the bot is disconnected. */
  dispatch(event: string, data: Json): void {
    const session = this.#current;
    if (!session)
      throw new Error("FakeDiscord: no bot has identified on the gateway yet (log the client in first)");
    this.#dispatchTo(session, event, data);
  }

  #dispatchTo(session: Session, event: string, data: Json): void {
    session.seq += 1;
    const payload = JSON.stringify({ op: Op.Dispatch, t: event, s: session.seq, d: data });
    session.buffer.push({ s: session.seq, payload });
    if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
    this.stats.dispatches += 1;
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(payload);
    this.#options.signal.changed();
  }

  /** Cuts every open gateway connection without a close frame, like a network failure; sessions stay resumable. */
  dropConnection(): number {
    const count = this.#sockets.size;
    for (const socket of this.#sockets) socket.terminate();
    for (const session of this.#sessions.values()) session.socket = null;
    return count;
  }

  /** Sends op 7 RECONNECT: the client closes and RESUMEs. */
  requestReconnect(): void {
    const socket = this.#current?.socket;
    if (socket) this.#send(socket, { op: Op.Reconnect, d: null });
  }

  /** Forgets every session, so the next RESUME gets INVALID_SESSION and the client identifies afresh. */
  forgetSessions(): void {
    this.#sessions.clear();
  }

  #send(ws: WebSocket, payload: Json): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

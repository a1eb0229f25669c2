// What the matcher service keeps per alert beyond the index, for a million alerts in little memory: a row per
// alert in typed arrays (struct of arrays, as the index does), ids as UUID words, one copy of each symbol and of
// each recipient (user and chat) however many alerts point to it, and sparse maps for what few alerts have (a
// note, a parked state, a record waiting to join the index). The definition itself (levels, condition, options)
// lives in the index only.

import type { Alert, AlertRuntimeState } from "@tickerbell/contracts";
import { readUuid, UuidSlotTable, writeUuidWords } from "../alert-id.ts";

/** Who hears of an alert's firing, and what the notification carries from its definition. */
export type AlertRecipient = Pick<Alert, "userId" | "origin" | "note" | "urgent">;

/** An alert waiting for the replay to pass the tick its stored state holds after; then it joins the index. */
export interface Joining {
  row: number;
  afterTick: bigint;
  /** Its latest record: what joins the index. */
  alert: Alert;
}

interface Recipient {
  userId: string;
  origin: Alert["origin"];
  key: string;
  /** Alerts pointing here: the entry goes with the last of them. */
  refs: number;
}

interface SymbolGroup {
  symbol: string;
  partition: number;
  /** Rows of the symbol's alerts; a row's place here is memberAt[row]. */
  rows: number[];
}

const ACTIVE = 1;
const URGENT = 2;
/** A one-shot alert that fired: out of the index for good, waiting for the alert service's record of it. */
const DONE = 4;

export class TrackedAlerts {
  #capacity = 0;
  #words = new Uint32Array(0);
  #groupOf = new Int32Array(0);
  #recipientOf = new Int32Array(0);
  #memberAt = new Int32Array(0);
  #version = new Float64Array(0);
  #levelsRevision = new Int32Array(0);
  #flags = new Uint8Array(0);
  #persisted = new Float64Array(0);
  readonly #free: number[] = [];
  #rowsUsed = 0;
  #count = 0;
  readonly #ids = new UuidSlotTable(() => this.#words);

  readonly #notes = new Map<number, string>();
  readonly #parked = new Map<number, AlertRuntimeState>();
  readonly #joining = new Map<number, Joining>();

  readonly #groups: (SymbolGroup | undefined)[] = [];
  readonly #groupIds = new Map<string, number>();
  readonly #freeGroups: number[] = [];
  readonly #recipients: (Recipient | undefined)[] = [];
  readonly #recipientIds = new Map<string, number>();
  readonly #freeRecipients: number[] = [];

  get size(): number {
    return this.#count;
  }

  /** The alert's row, or -1. */
  find(alertId: string): number {
    return this.#ids.find(alertId);
  }

  /** A row for an alert not tracked yet, with what it keeps of the record; `persisted` as fingerprintOf gives. */
  add(alert: Alert, partition: number, persisted: number): number {
    const row = this.#free.pop() ?? this.#rowsUsed++;
    if (row >= this.#capacity) this.#grow(Math.max(1024, this.#capacity * 2));
    writeUuidWords(alert.id.toLowerCase(), this.#words, row * 4);
    this.#ids.add(row);
    this.#count++;
    const group = this.#groupFor(alert.symbol, partition);
    this.#groupOf[row] = group;
    const rows = this.#groups[group]!.rows;
    this.#memberAt[row] = rows.length;
    rows.push(row);
    this.#recipientOf[row] = this.#recipientFor(alert);
    this.#persisted[row] = persisted;
    this.#flags[row] = 0;
    this.#takeDefinition(row, alert);
    return row;
  }

  /** Takes what is kept of a newer record of the same alert (its symbol never changes). */
  redefine(row: number, alert: Alert): void {
    const recipient = this.#recipientFor(alert);
    this.#releaseRecipient(this.#recipientOf[row]!);
    this.#recipientOf[row] = recipient;
    this.#takeDefinition(row, alert);
  }

  delete(row: number): void {
    this.#ids.delete(row);
    this.#count--;
    this.#releaseRecipient(this.#recipientOf[row]!);
    const groupId = this.#groupOf[row]!;
    const group = this.#groups[groupId]!;
    // Swap-remove from the symbol's rows.
    const at = this.#memberAt[row]!;
    const last = group.rows.pop()!;
    if (last !== row) {
      group.rows[at] = last;
      this.#memberAt[last] = at;
    }
    if (group.rows.length === 0) {
      this.#groupIds.delete(group.symbol);
      this.#groups[groupId] = undefined;
      this.#freeGroups.push(groupId);
    }
    this.#notes.delete(row);
    this.#parked.delete(row);
    this.#joining.delete(row);
    this.#free.push(row);
  }

  idOf(row: number): string {
    return readUuid(this.#words, row * 4);
  }

  symbolOf(row: number): string {
    return this.#groups[this.#groupOf[row]!]!.symbol;
  }

  partitionOf(row: number): number {
    return this.#groups[this.#groupOf[row]!]!.partition;
  }

  recipientOf(row: number): AlertRecipient {
    const { userId, origin } = this.#recipients[this.#recipientOf[row]!]!;
    return {
      userId,
      origin,
      note: this.#notes.get(row) ?? null,
      ...((this.#flags[row]! & URGENT) !== 0 ? { urgent: true } : {}),
    };
  }

  versionOf(row: number): number {
    return this.#version[row]!;
  }

  levelsRevisionOf(row: number): number {
    return this.#levelsRevision[row]!;
  }

  isActive(row: number): boolean {
    return (this.#flags[row]! & ACTIVE) !== 0;
  }

  isDone(row: number): boolean {
    return (this.#flags[row]! & DONE) !== 0;
  }

  markDone(row: number): void {
    this.#flags[row]! |= DONE;
  }

  persistedOf(row: number): number {
    return this.#persisted[row]!;
  }

  setPersisted(row: number, fingerprint: number): void {
    this.#persisted[row] = fingerprint;
  }

  /** Runtime state while the alert is out of the index: paused, or waiting to join. */
  parkedOf(row: number): AlertRuntimeState | null {
    return this.#parked.get(row) ?? null;
  }

  park(row: number, state: AlertRuntimeState | null): void {
    if (state === null) this.#parked.delete(row);
    else this.#parked.set(row, state);
  }

  joiningOf(row: number): Joining | null {
    return this.#joining.get(row) ?? null;
  }

  setJoining(row: number, joining: Joining | null): void {
    if (joining === null) this.#joining.delete(row);
    else this.#joining.set(row, joining);
  }

  /** Rows of the symbol's alerts (do not add or delete while iterating). */
  rowsOf(symbol: string): readonly number[] {
    const group = this.#groupIds.get(symbol);
    return group === undefined ? [] : this.#groups[group]!.rows;
  }

  /** Every tracked row of the partitions, collected first (so the caller may delete them). */
  rowsOfPartitions(partitions: ReadonlySet<number>): number[] {
    const rows: number[] = [];
    for (const group of this.#groups) if (group && partitions.has(group.partition)) rows.push(...group.rows);
    return rows;
  }

  #takeDefinition(row: number, alert: Alert): void {
    this.#version[row] = alert.version;
    this.#levelsRevision[row] = alert.levelsRevision ?? 0;
    const done = this.#flags[row]! & DONE;
    this.#flags[row] = done | (alert.status === "active" ? ACTIVE : 0) | (alert.urgent === true ? URGENT : 0);
    if (alert.note === null) this.#notes.delete(row);
    else this.#notes.set(row, alert.note);
  }

  #groupFor(symbol: string, partition: number): number {
    const known = this.#groupIds.get(symbol);
    if (known !== undefined) return known;
    const id = this.#freeGroups.pop() ?? this.#groups.length;
    this.#groups[id] = { symbol, partition, rows: [] };
    this.#groupIds.set(symbol, id);
    return id;
  }

  #recipientFor(alert: Alert): number {
    // Every field of the origin: two alerts in one chat may still differ in kind, server or role mentioned.
    const { platform, chatId, kind, communityId, mentionRoleId } = alert.origin;
    const key = [alert.userId, platform, chatId, kind ?? "dm", communityId ?? "", mentionRoleId ?? ""].join(
      "\u0000",
    );
    let id = this.#recipientIds.get(key);
    if (id === undefined) {
      id = this.#freeRecipients.pop() ?? this.#recipients.length;
      this.#recipients[id] = { userId: alert.userId, origin: { ...alert.origin }, key, refs: 0 };
      this.#recipientIds.set(key, id);
    }
    this.#recipients[id]!.refs++;
    return id;
  }

  #releaseRecipient(id: number): void {
    const recipient = this.#recipients[id]!;
    if (--recipient.refs > 0) return;
    this.#recipientIds.delete(recipient.key);
    this.#recipients[id] = undefined;
    this.#freeRecipients.push(id);
  }

  #grow(capacity: number): void {
    const words = new Uint32Array(capacity * 4);
    words.set(this.#words);
    this.#words = words;
    this.#groupOf = grown(this.#groupOf, new Int32Array(capacity));
    this.#recipientOf = grown(this.#recipientOf, new Int32Array(capacity));
    this.#memberAt = grown(this.#memberAt, new Int32Array(capacity));
    this.#version = grown(this.#version, new Float64Array(capacity));
    this.#levelsRevision = grown(this.#levelsRevision, new Int32Array(capacity));
    this.#flags = grown(this.#flags, new Uint8Array(capacity));
    this.#persisted = grown(this.#persisted, new Float64Array(capacity));
    this.#capacity = capacity;
  }
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(old: T, into: T): T {
  into.set(old);
  return into;
}

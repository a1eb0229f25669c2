import { randomUUID } from "node:crypto";
import { LockMode } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { User, WatchlistItem } from "@tickerbell/contracts";
import type { Identity, RedeemOutcome, UserRepository } from "../domain/ports.ts";
import { GroupCommit } from "../group-commit.ts";
import {
  AlertEntity,
  LinkCodeEntity,
  PlatformIdentityEntity,
  UserEntity,
  WatchlistItemEntity,
} from "./entities.ts";
import { IDENTITIES_CHANNEL, IdentityCache } from "./identity-cache.ts";
import { toAlert } from "./mapping.ts";
import { appendAlertChanges, type PendingAlertChange } from "./outbox.ts";

interface PendingRegistration {
  identity: Identity;
  displayName: string | null;
  now: Date;
}

interface Registration {
  userId: string;
  created: boolean;
}

const identityKey = (identity: Identity) => `${identity.platform}:${identity.platformUserId}`;

/** UserRepository on MikroORM. Each call runs on its own fork of the EntityManager. */
export class MikroUserRepository implements UserRepository {
  readonly #em: SqlEntityManager;
  // Every bot request starts by finding its user, and a first contact registers one: the lookups (and the
  // registrations) that arrive together go as one statement, so a crowd of commands, or of new users, costs a
  // few round trips and commits instead of one each; alone, a lookup is sent at once.
  readonly #lookups: GroupCommit<Identity, string | null>;
  readonly #registrations: GroupCommit<PendingRegistration, Registration>;

  readonly #identities: IdentityCache;

  /** `identities`: who each identity is, remembered; without one, every lookup asks the database. */
  constructor(em: SqlEntityManager, identities: IdentityCache = new IdentityCache()) {
    this.#em = em;
    this.#identities = identities;
    this.#lookups = new GroupCommit((identities) => this.#findUserIds(identities), { concurrency: 2 });
    this.#registrations = new GroupCommit((items) => this.#registerBatch(items), { concurrency: 2 });
  }

  async findUserId(identity: Identity): Promise<string | null> {
    const known = this.#identities.get(identity);
    if (known !== undefined) return known;
    const epoch = this.#identities.epoch();
    const userId = await this.#lookups.add(identity);
    if (userId !== null) this.#identities.remember(identity, userId, epoch);
    return userId;
  }

  async #findUserIds(identities: Identity[]): Promise<(string | null)[]> {
    const rows = await this.#em
      .fork()
      .execute<{ platform: string; platform_user_id: string; user_id: string }[]>(
        // Lateral with a limit: one index probe per wanted identity (a plain join plans a scan of the table).
        `select w.platform, w.platform_user_id, i.user_id
         from jsonb_to_recordset(?::jsonb) as w(platform text, platform_user_id text)
         cross join lateral (
           select user_id from platform_identities i
            where i.platform = w.platform and i.platform_user_id = w.platform_user_id limit 1
         ) i`,
        [
          JSON.stringify(
            identities.map((i) => ({ platform: i.platform, platform_user_id: i.platformUserId })),
          ),
        ],
      );
    const found = new Map(rows.map((row) => [`${row.platform}:${row.platform_user_id}`, row.user_id]));
    return identities.map((identity) => found.get(identityKey(identity)) ?? null);
  }

  async resolve(identity: Identity, displayName: string | null | undefined, now: Date) {
    const em = this.#em.fork();
    const existing = await em.findOne(PlatformIdentityEntity, identity);
    if (existing) {
      if (displayName !== undefined && existing.displayName !== displayName) {
        existing.displayName = displayName;
        await em.flush();
      }
      return { user: await loadUser(em, existing.userId), created: false };
    }
    const { userId, created } = await this.register(identity, displayName, now);
    return { user: await loadUser(em, userId), created };
  }

  async register(identity: Identity, displayName: string | null | undefined, now: Date) {
    const epoch = this.#identities.epoch();
    const registration = await this.#registrations.add({ identity, displayName: displayName ?? null, now });
    this.#identities.remember(identity, registration.userId, epoch);
    return registration;
  }

  async #registerBatch(items: PendingRegistration[]): Promise<Registration[]> {
    try {
      return await this.#registerTogether(items);
    } catch (error) {
      // Whatever failed the statement (a deadlock with another replica's batch) fails each item alone at most.
      if (items.length === 1) throw error;
      return Promise.all(items.map((item) => this.#registerTogether([item]).then(([one]) => one!)));
    }
  }

  /** Answers each item's user, and whether this batch registered it or found it there before. */
  async #registerTogether(items: PendingRegistration[]): Promise<Registration[]> {
    // Two first contacts of one identity can race: the unique (platform, platformUserId) lets only one identity
    // in, and its user is inserted by the same statement only then (the foreign key is checked at the end of
    // the statement). The loser, and a second item of the same identity in this batch, finds the winner's user.
    const rows = await this.#em
      .fork()
      .execute<{ platform: string; platform_user_id: string; user_id: string }[]>(
        `with wanted as (
         select * from jsonb_to_recordset(?::jsonb)
           as w(platform text, platform_user_id text, display_name text, created_at timestamptz)
       ), joined as (
         insert into platform_identities (id, user_id, platform, platform_user_id, display_name, created_at)
         select gen_random_uuid(), gen_random_uuid(), platform, platform_user_id, display_name, created_at
           from wanted
         on conflict (platform, platform_user_id) do nothing
         returning user_id, platform, platform_user_id, created_at
       ), registered as (insert into users (id, created_at) select user_id, created_at from joined)
       select platform, platform_user_id, user_id from joined`,
        [
          JSON.stringify(
            items.map((i) => ({
              platform: i.identity.platform,
              platform_user_id: i.identity.platformUserId,
              display_name: i.displayName,
              created_at: i.now.toISOString(),
            })),
          ),
        ],
      );
    const registered = new Map(rows.map((row) => [`${row.platform}:${row.platform_user_id}`, row.user_id]));
    const answered = new Set<string>();
    return Promise.all(
      items.map(async (item) => {
        const key = identityKey(item.identity);
        const mine = registered.get(key);
        if (mine !== undefined && !answered.has(key)) {
          answered.add(key);
          return { userId: mine, created: true };
        }
        const winner = await this.findUserId(item.identity);
        if (!winner) throw new Error(`identity ${item.identity.platform} was neither inserted nor found`);
        return { userId: winner, created: false };
      }),
    );
  }

  async watchlist(userId: string): Promise<WatchlistItem[]> {
    return listWatchlist(this.#em.fork(), userId);
  }

  addToWatchlist(userId: string, symbols: string[], max: number, now: Date) {
    return this.#em.fork().transactional(async (em) => {
      await em.findOneOrFail(UserEntity, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const current = await listWatchlist(em, userId);
      const have = new Set(current.map((i) => i.symbol));
      const fresh = symbols.filter((s) => !have.has(s));
      if (current.length + fresh.length > max) return { ok: false as const, size: current.length };
      for (const symbol of fresh)
        em.create(WatchlistItemEntity, { id: randomUUID(), userId, symbol, addedAt: now });
      await em.flush();
      return { ok: true as const, items: await listWatchlist(em, userId) };
    });
  }

  async removeFromWatchlist(userId: string, symbol: string): Promise<boolean> {
    const removed = await this.#em.fork().nativeDelete(WatchlistItemEntity, { userId, symbol });
    return removed > 0;
  }

  async saveLinkCode(userId: string, codeHash: string, createdAt: Date, expiresAt: Date): Promise<void> {
    // Only the newest code of a user is valid: asking again replaces it, and old rows do not pile up. The
    // user's row lock makes concurrent requests take turns, so each one's delete sees the code before it.
    await this.#em.fork().transactional(async (em) => {
      await em.execute("select 1 from users where id = ? for update", [userId]);
      await em.nativeDelete(LinkCodeEntity, { userId });
      em.create(LinkCodeEntity, { codeHash, userId, createdAt, expiresAt, redeemedAt: null });
      await em.flush();
    });
  }

  async redeemLinkCode(
    codeHash: string,
    identity: Identity,
    now: Date,
    limits: { openAlerts: number; watchlist: number },
  ): Promise<RedeemOutcome> {
    const outcome = await this.#redeem(codeHash, identity, now, limits);
    // Committed: identities of the redeemer's former user now name the owner.
    if (outcome.kind === "linked") this.#identities.forgetAll();
    return outcome;
  }

  #redeem(
    codeHash: string,
    identity: Identity,
    now: Date,
    limits: { openAlerts: number; watchlist: number },
  ): Promise<RedeemOutcome> {
    return this.#em.fork().transactional(async (em): Promise<RedeemOutcome> => {
      const code = await em.findOne(
        LinkCodeEntity,
        { codeHash, redeemedAt: null, expiresAt: { $gt: now } },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!code) return { kind: "invalid_code" };
      const ownerId = code.userId;
      const redeemer = await em.findOne(PlatformIdentityEntity, identity);
      // Not consumed: the code still works from the account it was meant for.
      if (redeemer?.userId === ownerId) return { kind: "own_code" };

      // The redeeming identity's whole user (every identity, alert and watchlist entry) joins the owner.
      const formerUserId = redeemer?.userId ?? null;
      const ownerIdentities = await em.find(PlatformIdentityEntity, { userId: ownerId });
      const joining = formerUserId ? await em.find(PlatformIdentityEntity, { userId: formerUserId }) : [];
      const joiningPlatforms = formerUserId ? joining.map((i) => i.platform) : [identity.platform];
      const clash = joiningPlatforms.find((p) => ownerIdentities.some((o) => o.platform === p));
      if (clash) return { kind: "platform_taken", platform: clash };

      if (formerUserId) {
        // Both users' rows locked (in id order), so neither gains alerts or tickers while the sums are taken.
        await em.execute("select 1 from users where id in (?, ?) order by id for update", [
          ownerId,
          formerUserId,
        ]);
        const [sums] = await em.execute<{ alerts: number; tickers: number }[]>(
          `select (select count(*)::int from alerts where user_id in (?, ?) and status in ('active', 'paused'))
                    as alerts,
                  (select count(distinct symbol)::int from watchlist_items where user_id in (?, ?)) as tickers`,
          [ownerId, formerUserId, ownerId, formerUserId],
        );
        const alerts = Number(sums?.alerts ?? 0);
        const tickers = Number(sums?.tickers ?? 0);
        if (alerts > limits.openAlerts)
          return { kind: "over_limit", what: "alerts", total: alerts, limit: limits.openAlerts };
        if (tickers > limits.watchlist)
          return { kind: "over_limit", what: "watchlist", total: tickers, limit: limits.watchlist };
      }
      code.redeemedAt = now;
      let moved: PendingAlertChange[] = [];
      if (formerUserId) {
        for (const i of joining) i.userId = ownerId;
        await em.flush();
        // Locked, so a concurrent change of one of them cannot be overwritten with what was read here.
        const alerts = await em.find(
          AlertEntity,
          { userId: formerUserId },
          { orderBy: { id: "asc" }, lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        for (const row of alerts) {
          row.userId = ownerId;
          row.updatedAt = now;
          // A new version: consumers keep the newest version of an alert and drop the rest.
          row.version += 1;
        }
        await em.flush();
        moved = alerts.map((row) => ({ change: "updated" as const, alert: toAlert(row), at: now }));
        await em.execute(
          `insert into watchlist_items (id, user_id, symbol, added_at)
           select gen_random_uuid(), ?, symbol, added_at from watchlist_items where user_id = ?
           on conflict (user_id, symbol) do nothing`,
          [ownerId, formerUserId],
        );
        // The delivery log follows the alerts: deleting the former user must not take its records along.
        await em.execute("update deliveries set user_id = ? where user_id = ?", [ownerId, formerUserId]);
        await em.execute("update held_notifications set user_id = ? where user_id = ?", [
          ownerId,
          formerUserId,
        ]);
        // Webhooks follow their owner (the per-user cap is checked on the next add, not here).
        await em.execute("update webhooks set user_id = ? where user_id = ?", [ownerId, formerUserId]);
        await em.execute("delete from users where id = ?", [formerUserId]);
        // Every other process forgets which user these identities were, when (and only if) this commits.
        // A notifying commit takes a database-wide lock; links are rare enough for that.
        await em.execute("select pg_notify(?, '')", [IDENTITIES_CHANNEL]);
      } else {
        em.create(PlatformIdentityEntity, {
          id: randomUUID(),
          userId: ownerId,
          platform: identity.platform,
          platformUserId: identity.platformUserId,
          displayName: null,
          createdAt: now,
        });
      }
      await em.flush();
      // The kept user's settings now concern a platform more: a changed row is what the bots' copies read.
      await em.execute("update user_settings set updated_at = ? where user_id = ?", [now, ownerId]);
      // Last, as in every writer: the symbols' sequence locks (taken in sorted order) are the last locks it takes,
      // so a writer holding one never waits for anything but another symbol.
      await appendAlertChanges(em, moved);
      return { kind: "linked", user: await loadUser(em, ownerId), movedAlerts: moved.length };
    });
  }
}

async function loadUser(em: SqlEntityManager, userId: string): Promise<User> {
  const user = await em.findOneOrFail(UserEntity, { id: userId });
  const identities = await em.find(
    PlatformIdentityEntity,
    { userId },
    { orderBy: { createdAt: "asc", id: "asc" } },
  );
  return {
    id: user.id,
    identities: identities.map((i) => ({ platform: i.platform, platformUserId: i.platformUserId })),
    createdAt: user.createdAt.toISOString(),
  };
}

async function listWatchlist(em: SqlEntityManager, userId: string): Promise<WatchlistItem[]> {
  const items = await em.find(WatchlistItemEntity, { userId }, { orderBy: { symbol: "asc" } });
  return items.map((i) => ({ symbol: i.symbol, addedAt: i.addedAt.toISOString() }));
}

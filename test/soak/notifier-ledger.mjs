// Every check state change, as the daemon logged it ("check NAME is up|down"), set
// against what each notifier received: the webhook receiver's requests and the notify
// script's lines. Per router and check the three sequences must agree, exactly once
// and in order. A change logged just before a process of that router was killed may
// be lost with the process (the queue is in memory): it is excused, and counted.
/** Clock rounding between a log line's time and its delivery's (both are stamped by the daemon or after it). */
const SAME_INSTANT_MS = 5;

export class NotifierLedger {
  /** @param {string[]} targets notifier names, e.g. ['webhook', 'script'] */
  constructor(targets, excuse) {
    this.targets = targets;
    /** key router|check -> { log: [], webhook: [], script: [] } */
    this.queues = new Map();
    this.excuse = excuse; // (router, t) => boolean
    this.stats = { logged: 0, matched: Object.fromEntries(targets.map((n) => [n, 0])), excused: Object.fromEntries(targets.map((n) => [n, 0])), duplicates: 0, checks: 0 };
    this.seenIds = new Set();
    this.breaches = [];
  }

  #q(router, check) {
    const k = `${router}|${check}`;
    if (!this.queues.has(k)) this.queues.set(k, { router, check, log: [], ...Object.fromEntries(this.targets.map((n) => [n, []])) });
    return this.queues.get(k);
  }

  logged(router, check, to, t) {
    this.stats.logged++;
    this.#q(router, check).log.push({ to, t });
  }

  received(target, router, check, to, t, id) {
    if (id !== undefined) {
      if (this.seenIds.has(id)) {
        this.stats.duplicates++; // a retry of a delivered request: same id, the receiver dedupes
        return;
      }
      this.seenIds.add(id);
    }
    this.#q(router, check)[target].push({ to, t });
  }

  /**
   * Matches what can be matched; anything older than `graceMs` left unmatched is a breach
   * (or excused). Returns the new breaches.
   */
  reconcile(now, graceMs) {
    const fresh = [];
    for (const q of this.queues.values()) {
      for (const n of this.targets) {
        // q.log is shared by the targets: each keeps its own cursor.
        q.cursor ??= {};
        let i = q.cursor[n] ?? 0;
        const got = q[n];
        while (got.length > 0 || (i < q.log.length && now - q.log[i].t > graceMs)) {
          this.stats.checks++;
          const want = q.log[i];
          const head = got[0];
          const sameKind = want && head && want.to === head.to;
          // A change lost with a killed daemon, logged again by its successor: the one
          // delivery is the successor's when it was sent at or after the second line.
          const next = q.log[i + 1];
          const successors = sameKind && next?.to === head.to && head.t >= next.t - SAME_INSTANT_MS;
          if (want && (!sameKind || successors) && this.excuse(q.router, want.t)) {
            i++;
            this.stats.excused[n]++;
            continue;
          }
          if (sameKind) {
            got.shift();
            i++;
            this.stats.matched[n]++;
            continue;
          }
          if (want && !head) {
            if (now - want.t <= graceMs) break;
            fresh.push({ what: `${n} never received: ${q.router} check ${q.check} -> ${want.to} (logged at ${new Date(want.t).toISOString()})`, t: want.t });
            i++;
            continue;
          }
          if (!want) {
            if (now - head.t <= graceMs) break; // the log line may still be on its way
            fresh.push({ what: `${n} received a change the daemon never logged: ${q.router} check ${q.check} -> ${head.to}`, t: head.t });
            got.shift();
            continue;
          }
          // out of order or a change of the wrong kind
          if (now - Math.max(want.t, head.t) <= graceMs) break;
          fresh.push({ what: `${n} out of order for ${q.router} check ${q.check}: logged -> ${want.to}, received -> ${head.to}`, t: head.t });
          got.shift();
          i++;
        }
        q.cursor[n] = i;
      }
      // Drop what every target has passed.
      const min = Math.min(...this.targets.map((n) => q.cursor[n] ?? 0));
      if (min > 0) {
        q.log.splice(0, min);
        for (const n of this.targets) q.cursor[n] -= min;
      }
    }
    this.breaches.push(...fresh);
    return fresh;
  }
}

import { randomFillSync } from "node:crypto";

/** Event kinds seen on real orchestrators, with the category and severity they come with. */
const KINDS = [
  {
    event: "LINK_DEAD",
    category: "NETWORK",
    severity: "ERROR",
    message: (l: string) => `Link ${l} is now DEAD`,
  },
  {
    event: "LINK_ALIVE",
    category: "NETWORK",
    severity: "INFO",
    message: (l: string) => `Link ${l} is no longer DEAD`,
  },
  {
    event: "EDGE_INTERFACE_DOWN",
    category: "EDGE",
    severity: "WARNING",
    message: (l: string) => `Interface ${l} is down`,
  },
  {
    event: "EDGE_INTERFACE_UP",
    category: "EDGE",
    severity: "INFO",
    message: (l: string) => `Interface ${l} is up`,
  },
  {
    event: "EDGE_NEW_DEVICE",
    category: "EDGE",
    severity: "NOTICE",
    message: (l: string) => `New or updated client device on ${l}`,
  },
  {
    event: "VPN_DATACENTER_STATUS",
    category: "SYSTEM",
    severity: "NOTICE",
    message: (l: string) => `Tunnel to [DC-${l}] - Failed to negotiate child SA`,
  },
  {
    event: "USER_LOGIN",
    category: "USER",
    severity: "INFO",
    message: () => "User logged in to the portal",
  },
  {
    event: "EDGE_CONFIG_UPDATE",
    category: "CONFIGURATION",
    severity: "INFO",
    message: () => "Edge configuration applied",
  },
  {
    event: "FIREWALL_RULE_HIT",
    category: "SECURITY",
    severity: "CRITICAL",
    message: (l: string) => `Firewall rule matched on ${l}`,
  },
  {
    event: "EDGE_HA_FAILOVER",
    category: "EDGE",
    severity: "ALERT",
    message: () => "HA failover: standby is now active",
  },
] as const;
const LINKS = ["GE1", "GE2", "GE3", "GE4", "LTE1", "WAN-ISP-A", "WAN-ISP-B"];
const EDGES = [
  "Palo Alto Edge",
  "Sydney-Branch-01",
  "Frankfurt HQ",
  "São Paulo DC",
  "東京-支店",
  "lab-edge-7",
];
/** Kind, link and edge all repeat with this period in an event's number. */
const PERIOD = KINDS.length * LINKS.length * EDGES.length;

export type Shape = "classic" | "6.2";

/**
 * Builds events in the shape the API returns. Classic events carry an integer `id`; VCO 6.2+
 * replaced it with a `logicalId` UUID plus `created` and `enterpriseName`.
 *
 * Everything in an event the factory makes follows from its number (the count of events made
 * before it) and its eventTime, so a store keeps just those two and has the factory write the
 * JSON when a page is served (`renderInto`): byte for byte what `JSON.stringify(make(...))` gives.
 */
export class EventFactory {
  private n = 0;
  /** Per factory: its 6.2 logicalIds look random and differ from every other factory's. */
  private readonly salt: Uint32Array;
  private readonly pieces: Pieces[];
  /** The most bytes one event of this factory takes. */
  readonly maxBytes: number;
  private readonly scratch: Buffer;

  constructor(
    private readonly shape: Shape,
    private readonly enterpriseName: string,
    private readonly firstId = 1_000_000,
  ) {
    this.salt = randomFillSync(new Uint32Array(4));
    this.pieces = Array.from({ length: PERIOD }, (_, r) => pieces(shape, enterpriseName, r));
    const longest = Math.max(
      ...this.pieces.map(
        (p) => p.a.length + p.b.length + p.c.length + p.d.length + p.e.length + p.f.length,
      ),
    );
    // Room for what varies: two times, an id, an event number, a UUID and two hex digits.
    this.maxBytes = longest + 2 * ISO_MAX + 20 + 20 + 36 + 2;
    this.scratch = Buffer.alloc(this.maxBytes);
  }

  /** Number `count` new events; returns the first number. Classic ids are firstId + number. */
  reserve(count: number): number {
    const first = this.n;
    this.n += count;
    return first;
  }

  make(eventTime: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...this.body(this.reserve(1), toSecond(eventTime)), ...overrides };
  }

  /** Event number `i` at `time` (whole seconds, as `toSecond` gives), as an object. */
  body(i: number, time: number): Record<string, unknown> {
    const kind = KINDS[i % KINDS.length]!;
    const link = LINKS[(i * 7) % LINKS.length]!;
    const edge = EDGES[(i * 3) % EDGES.length]!;
    const eventTime = new Date(time).toISOString();
    const detail = JSON.stringify({
      logicalId: `ac:3b:77:31:cc:${(i % 97).toString(16).padStart(2, "0")}:0000`,
      link,
      seq: i,
    });
    const user = kind.category === "USER";
    if (this.shape === "6.2") {
      return {
        category: kind.category,
        created: new Date(time + 20_000).toISOString(),
        detail,
        edgeName: user ? "" : edge,
        enterpriseName: this.enterpriseName,
        enterpriseUsername: user ? "admin@example.com" : "",
        event: kind.event,
        eventTime,
        logicalId: this.scratch.toString("latin1", 0, putUuid(this.scratch, 0, i, this.salt)),
        message: kind.message(link),
        segmentName: "",
        severity: kind.severity,
      };
    }
    // Ids are handed out in creation order, which is not eventTime order: clients must not sort on them.
    return {
      id: this.firstId + i,
      eventTime,
      event: kind.event,
      category: kind.category,
      severity: kind.severity,
      message: kind.message(link),
      detail,
      enterpriseUsername: user ? "admin@example.com" : null,
      edgeName: user ? null : edge,
      segmentName: null,
    };
  }

  /** `JSON.stringify(this.body(i, time))`. */
  render(i: number, time: number): string {
    return this.scratch.toString("utf8", 0, this.renderInto(this.scratch, 0, i, time));
  }

  /**
   * Writes `JSON.stringify(this.body(i, time))` as UTF-8 at `at` (room for `maxBytes` needed), from
   * bytes made once per kind, link and edge; returns where it ends. No string is made per event.
   */
  renderInto(buf: Buffer, at: number, i: number, time: number): number {
    const p = this.pieces[i % PERIOD]!;
    const h = i % 97;
    if (this.shape === "6.2") {
      buf.set(p.a, at);
      at = putIso(buf, at + p.a.length, time + 20_000);
      buf.set(p.b, at);
      at += p.b.length;
      buf[at++] = HEX_DIGITS[h >> 4]!;
      buf[at++] = HEX_DIGITS[h & 15]!;
      buf.set(p.c, at);
      at = putInt(buf, at + p.c.length, i);
      buf.set(p.d, at);
      at = putIso(buf, at + p.d.length, time);
      buf.set(p.e, at);
      at = putUuid(buf, at + p.e.length, i, this.salt);
      buf.set(p.f, at);
      return at + p.f.length;
    }
    buf.set(p.a, at);
    at = putInt(buf, at + p.a.length, this.firstId + i);
    buf.set(p.b, at);
    at = putIso(buf, at + p.b.length, time);
    buf.set(p.c, at);
    at += p.c.length;
    buf[at++] = HEX_DIGITS[h >> 4]!;
    buf[at++] = HEX_DIGITS[h & 15]!;
    buf.set(p.d, at);
    at = putInt(buf, at + p.d.length, i);
    buf.set(p.e, at);
    return at + p.e.length;
  }
}

/** An event's time as the factory serves it: whole seconds. */
export const toSecond = (t: number): number => Math.floor(t / 1000) * 1000;

/** The constant stretches of one residue's JSON (UTF-8), between the parts that vary per event. */
interface Pieces {
  a: Buffer;
  b: Buffer;
  c: Buffer;
  d: Buffer;
  e: Buffer;
  f: Buffer;
}

function pieces(shape: Shape, enterpriseName: string, r: number): Pieces {
  const kind = KINDS[r % KINDS.length]!;
  const link = LINKS[(r * 7) % LINKS.length]!;
  const edge = EDGES[(r * 3) % EDGES.length]!;
  const user = kind.category === "USER";
  const q = (v: unknown) => JSON.stringify(v);
  // Escaped as inside a JSON string (the detail is JSON in a string): per character, so by parts.
  const esc = (s: string) => q(s).slice(1, -1);
  const detailHead = `"${esc('{"logicalId":"ac:3b:77:31:cc:')}`;
  const detailMid = esc(`:0000","link":${q(link)},"seq":`);
  const detailTail = `${esc("}")}"`;
  const bytes = (...parts: string[]) =>
    parts.map((s) => Buffer.from(s)) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  if (shape === "6.2") {
    const [a, b, c, d, e, f] = bytes(
      `{"category":${q(kind.category)},"created":"`,
      `","detail":${detailHead}`,
      detailMid,
      `${detailTail},"edgeName":${q(user ? "" : edge)},"enterpriseName":${q(enterpriseName)},` +
        `"enterpriseUsername":${q(user ? "admin@example.com" : "")},"event":${q(kind.event)},"eventTime":"`,
      `","logicalId":"`,
      `","message":${q(kind.message(link))},"segmentName":"","severity":${q(kind.severity)}}`,
    );
    return { a, b, c, d, e, f };
  }
  const [a, b, c, d, e, f] = bytes(
    `{"id":`,
    `,"eventTime":"`,
    `","event":${q(kind.event)},"category":${q(kind.category)},"severity":${q(kind.severity)},` +
      `"message":${q(kind.message(link))},"detail":${detailHead}`,
    detailMid,
    `${detailTail},"enterpriseUsername":${q(user ? "admin@example.com" : null)},` +
      `"edgeName":${q(user ? null : edge)},"segmentName":null}`,
    "",
  );
  return { a, b, c, d, e, f };
}

const HEX_DIGITS = Buffer.from("0123456789abcdef");

/** A non-negative integer's decimal digits. */
function putInt(buf: Buffer, at: number, n: number): number {
  let end = at + 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) end++;
  for (let k = end - 1; k >= at; k--) {
    buf[k] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/** `digits` hex digits of `v` (at most 8). */
function putHex(buf: Buffer, at: number, v: number, digits: number): number {
  for (let k = digits - 1; k >= 0; k--) buf[at++] = HEX_DIGITS[(v >>> (4 * k)) & 15]!;
  return at;
}

/**
 * A version-4 UUID for event `i`: the first 32 bits are a bijection of `i` (so no two events of a
 * factory share one), the rest a hash of `i` and the factory's salt.
 */
function putUuid(buf: Buffer, at: number, i: number, s: Uint32Array): number {
  const w0 = mix((i ^ s[0]!) >>> 0);
  const w1 = mix((w0 + s[1]!) >>> 0);
  const w2 = mix((w1 ^ s[2]!) >>> 0);
  const w3 = mix((w2 + s[3]!) >>> 0);
  at = putHex(buf, at, w0, 8);
  buf[at++] = 45; // -
  at = putHex(buf, at, w1 >>> 16, 4);
  buf[at++] = 45;
  buf[at++] = 52; // 4: the version
  at = putHex(buf, at, w1, 3);
  buf[at++] = 45;
  at = putHex(buf, at, ((w2 >>> 16) & 0x3fff) | 0x8000, 4); // the variant, 10xx
  buf[at++] = 45;
  at = putHex(buf, at, w2, 4);
  return putHex(buf, at, w3, 8);
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit words that scatters their bits. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const DAY = 86_400_000;
/** The longest ISO time: "+275760-09-13T00:00:00.000Z". */
const ISO_MAX = 27;
/** "HH:MM:SS.000Z" for each second of a day, 13 bytes each; made when first needed. */
let clock: Buffer | undefined;
let cachedDay = NaN;
let cachedDayText = Buffer.alloc(0);

/** `new Date(t).toISOString()` for a whole second `t`, without a Date per event. */
function putIso(buf: Buffer, at: number, t: number): number {
  const day = Math.floor(t / DAY);
  if (day !== cachedDay) {
    const iso = new Date(day * DAY).toISOString();
    cachedDayText = Buffer.from(iso.slice(0, iso.indexOf("T") + 1));
    cachedDay = day;
  }
  clock ??= Buffer.from(
    Array.from({ length: 86_400 }, (_, s) => new Date(s * 1000).toISOString().slice(11)).join(""),
  );
  buf.set(cachedDayText, at);
  at += cachedDayText.length;
  const from = ((t - day * DAY) / 1000) * 13;
  for (let k = 0; k < 13; k++) buf[at + k] = clock[from + k]!;
  return at + 13;
}

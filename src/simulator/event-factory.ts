import { randomFillSync } from "node:crypto";
import type { StreamName } from "../vco/streams.js";

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
/** Gateways, for partner and operator events (their events name a gateway, not an edge). */
const GATEWAYS = ["vcg103-usvi2", "vcg21-fra1", "vcg7-sin1"];
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
  private readonly templates: Template[];
  /** The most bytes one event of this factory takes. */
  readonly maxBytes: number;
  private readonly scratch: Buffer;

  constructor(
    private readonly shape: Shape,
    private readonly enterpriseName: string,
    private readonly firstId = 1_000_000,
    /** Partner (getProxyEvents) and operator (getOperatorEvents) events carry other fields. */
    private readonly stream: StreamName = "enterprise",
  ) {
    this.salt = randomFillSync(new Uint32Array(4));
    this.templates = Array.from({ length: PERIOD }, (_, r) =>
      template(shape, enterpriseName, r, stream),
    );
    this.maxBytes = Math.max(
      ...this.templates.map(
        (t) =>
          t.parts.reduce((n, part) => n + part.length, 0) +
          t.slots.reduce((n, slot) => n + SLOT_MAX_BYTES[slot]!, 0),
      ),
    );
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
    if (this.stream !== "enterprise") {
      const who = streamFields(this.stream, this.enterpriseName, user, i);
      const common = {
        category: kind.category,
        detail,
        event: kind.event,
        eventTime,
        message: kind.message(link),
        severity: kind.severity,
      };
      if (this.shape === "6.2") {
        const uuid = this.scratch.toString("latin1", 0, putUuid(this.scratch, 0, i, this.salt));
        return sortKeys({
          ...common,
          created: new Date(time + 20_000).toISOString(),
          logicalId: uuid,
          ...who,
        });
      }
      return {
        id: this.firstId + i,
        eventTime,
        event: kind.event,
        category: kind.category,
        severity: kind.severity,
        message: kind.message(link),
        detail,
        ...who,
      };
    }
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
    const { parts, slots } = this.templates[i % PERIOD]!;
    for (let k = 0; k < slots.length; k++) {
      buf.set(parts[k]!, at);
      at = this.putSlot(buf, at + parts[k]!.length, slots[k]!, i, time);
    }
    const last = parts[slots.length]!;
    buf.set(last, at);
    return at + last.length;
  }

  private putSlot(buf: Buffer, at: number, slot: Slot, i: number, time: number): number {
    switch (slot) {
      case Slot.Id:
        return putInt(buf, at, this.firstId + i);
      case Slot.Time:
        return putIso(buf, at, time);
      case Slot.Created:
        return putIso(buf, at, time + 20_000);
      case Slot.Hex:
        return putHex(buf, at, i % 97, 2);
      case Slot.Seq:
        return putInt(buf, at, i);
      case Slot.Uuid:
        return putUuid(buf, at, i, this.salt);
    }
  }
}

/** An event's time as the factory serves it: whole seconds. */
export const toSecond = (t: number): number => Math.floor(t / 1000) * 1000;

/** What varies per event in its JSON: its id, eventTime, created, detail's hex and seq, logicalId. */
enum Slot {
  Id,
  Time,
  Created,
  Hex,
  Seq,
  Uuid,
}
/** The most bytes each slot takes ("+275760-09-13T00:00:00.000Z" is the longest ISO time). */
const SLOT_MAX_BYTES = [20, 27, 27, 2, 20, 36];

/** One residue's JSON: constant stretches (UTF-8), with a slot between each two. */
interface Template {
  parts: Buffer[];
  slots: Slot[];
}

/**
 * The fields partner and operator events carry instead of the enterprise ones (swagger 5.0
 * proxy_event and operator_event). The gateway follows the event's number like the edge does.
 */
function streamFields(
  stream: StreamName,
  enterpriseName: string,
  user: boolean,
  i: number,
): Record<string, unknown> {
  const gateway = user ? null : GATEWAYS[i % GATEWAYS.length]!;
  if (stream === "partner") {
    return {
      proxyUsername: user ? "msp-admin@partner.example" : null,
      networkName: null,
      enterpriseName: null,
      gatewayName: gateway,
    };
  }
  return {
    operatorUsername: user ? "ops@vco.example" : null,
    networkName: enterpriseName,
    gatewayName: gateway,
  };
}

type LayoutItem = string | Slot;

/** A partner or operator event's layout: the body()'s fields in its order, slots where they vary. */
function streamLayout(
  shape: Shape,
  kind: (typeof KINDS)[number],
  link: string,
  detail: LayoutItem[],
  who: Record<string, unknown>,
): LayoutItem[] {
  const q = (v: unknown) => JSON.stringify(v);
  const fields: Array<[string, LayoutItem[]]> = [
    ["eventTime", ['"', Slot.Time, '"']],
    ["event", [q(kind.event)]],
    ["category", [q(kind.category)]],
    ["severity", [q(kind.severity)]],
    ["message", [q(kind.message(link))]],
    ["detail", detail],
    ...Object.entries(who).map(([k, v]): [string, LayoutItem[]] => [k, [q(v)]]),
  ];
  if (shape === "6.2") {
    fields.push(["created", ['"', Slot.Created, '"']], ["logicalId", ['"', Slot.Uuid, '"']]);
    fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  } else fields.unshift(["id", [Slot.Id]]);
  const out: LayoutItem[] = [];
  fields.forEach(([k, v], n) => out.push(`${n === 0 ? "{" : ","}${q(k)}:`, ...v));
  out.push("}");
  return out;
}

const sortKeys = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function template(
  shape: Shape,
  enterpriseName: string,
  r: number,
  stream: StreamName = "enterprise",
): Template {
  const kind = KINDS[r % KINDS.length]!;
  const link = LINKS[(r * 7) % LINKS.length]!;
  const edge = EDGES[(r * 3) % EDGES.length]!;
  const user = kind.category === "USER";
  const q = (v: unknown) => JSON.stringify(v);
  // Escaped as inside a JSON string (the detail is JSON in a string): per character, so by parts.
  const esc = (s: string) => q(s).slice(1, -1);
  const detail = [
    `"${esc('{"logicalId":"ac:3b:77:31:cc:')}`,
    Slot.Hex,
    esc(`:0000","link":${q(link)},"seq":`),
    Slot.Seq,
    `${esc("}")}"`,
  ];
  const layout =
    stream !== "enterprise"
      ? streamLayout(shape, kind, link, detail, streamFields(stream, enterpriseName, user, r))
      : shape === "6.2"
        ? [
            `{"category":${q(kind.category)},"created":"`,
            Slot.Created,
            `","detail":`,
            ...detail,
            `,"edgeName":${q(user ? "" : edge)},"enterpriseName":${q(enterpriseName)},`,
            `"enterpriseUsername":${q(user ? "admin@example.com" : "")},"event":${q(kind.event)},`,
            `"eventTime":"`,
            Slot.Time,
            `","logicalId":"`,
            Slot.Uuid,
            `","message":${q(kind.message(link))},"segmentName":"","severity":${q(kind.severity)}}`,
          ]
        : [
            `{"id":`,
            Slot.Id,
            `,"eventTime":"`,
            Slot.Time,
            `","event":${q(kind.event)},"category":${q(kind.category)},"severity":${q(kind.severity)},`,
            `"message":${q(kind.message(link))},"detail":`,
            ...detail,
            `,"enterpriseUsername":${q(user ? "admin@example.com" : null)},`,
            `"edgeName":${q(user ? null : edge)},"segmentName":null}`,
          ];
  const parts: string[] = [""];
  const slots: Slot[] = [];
  for (const item of layout) {
    if (typeof item === "string") parts[parts.length - 1] += item;
    else {
      slots.push(item);
      parts.push("");
    }
  }
  return { parts: parts.map((t) => Buffer.from(t)), slots };
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

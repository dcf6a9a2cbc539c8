import { randomUUID } from "node:crypto";

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

export type Shape = "classic" | "6.2";

/**
 * Builds event objects in the shape the API returns. Classic events carry an integer `id`; VCO 6.2+
 * replaced it with a `logicalId` UUID plus `created` and `enterpriseName`.
 */
export class EventFactory {
  private nextId: number;
  private n = 0;

  constructor(
    private readonly shape: Shape,
    private readonly enterpriseName: string,
    firstId = 1_000_000,
  ) {
    this.nextId = firstId;
  }

  make(eventTime: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const i = this.n++;
    const kind = KINDS[i % KINDS.length]!;
    const link = LINKS[(i * 7) % LINKS.length]!;
    const edge = EDGES[(i * 3) % EDGES.length]!;
    const time = new Date(Math.floor(eventTime / 1000) * 1000).toISOString();
    const detail = JSON.stringify({
      logicalId: `ac:3b:77:31:cc:${(i % 97).toString(16).padStart(2, "0")}:0000`,
      link,
      seq: i,
    });
    const common = {
      eventTime: time,
      event: kind.event,
      category: kind.category,
      severity: kind.severity,
      message: kind.message(link),
      detail,
      enterpriseUsername: kind.category === "USER" ? "admin@example.com" : null,
      edgeName: kind.category === "USER" ? null : edge,
      segmentName: null,
    };
    if (this.shape === "6.2") {
      return {
        category: common.category,
        created: new Date(eventTime + 20_000).toISOString().replace(/\.\d{3}Z$/, ".000Z"),
        detail,
        edgeName: common.edgeName ?? "",
        enterpriseName: this.enterpriseName,
        enterpriseUsername: common.enterpriseUsername ?? "",
        event: common.event,
        eventTime: time,
        logicalId: randomUUID(),
        message: common.message,
        segmentName: "",
        severity: common.severity,
        ...overrides,
      };
    }
    // Ids are handed out in creation order, which is not eventTime order: clients must not sort on them.
    return { id: this.nextId++, ...common, ...overrides };
  }
}

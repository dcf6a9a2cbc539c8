// The practical floor: page through one enterprise's event window and JSON.parse each reply, with
// no validation, dedupe, ordering or writing. Plain node:http with a keep-alive socket, one
// request at a time, following metaData.nextPageLink, as the real client does.
//
//   node dist/bench/floor.js <baseUrl> <token> <enterpriseId> <startMs> <endMs>
//
// Prints one JSON line: {"events":N,"pages":P,"bytes":B}.
import http from "node:http";

const [baseUrl, token, enterpriseId, start, end] = process.argv.slice(2);
if (!baseUrl || !token || !enterpriseId || !start || !end) {
  process.stderr.write("usage: floor.js <baseUrl> <token> <enterpriseId> <startMs> <endMs>\n");
  process.exit(2);
}
const MAX_PAGES = 100_000;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL("/portal/rest/event/getEnterpriseEvents", baseUrl);

function post(body: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          Authorization: `Token ${token}`,
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Reply {
  metaData: { more: boolean; nextPageLink?: string | null };
  data: unknown[];
}

let events = 0;
let pages = 0;
let bytes = 0;
let link: string | undefined;
for (; pages < MAX_PAGES;) {
  const params = {
    enterpriseId: Number(enterpriseId),
    interval: { start: Number(start), end: Number(end) },
    filter: { limit: 2048 },
    ...(link ? { nextPageLink: link } : {}),
  };
  const raw = await post(JSON.stringify(params));
  bytes += raw.length;
  const reply = JSON.parse(raw.toString("utf8")) as Reply;
  pages++;
  events += reply.data.length;
  if (!reply.metaData.more || reply.data.length === 0) break;
  if (!reply.metaData.nextPageLink) throw new Error("more without a nextPageLink");
  link = reply.metaData.nextPageLink;
}
agent.destroy();
process.stdout.write(`${JSON.stringify({ events, pages, bytes })}\n`);

import assert from "node:assert/strict";
import { it } from "node:test";
import { rawDataElements } from "../../src/vco/raw-elements.js";
import { parseEventTime } from "../../src/vco/schemas.js";

it("cuts the data array into each element's own text, whatever the strings hold", () => {
  const events = [
    { id: 1, detail: '{"x":[1,2],"y":"}]"}\\', message: 'quote " and brace }' },
    { logicalId: "u-1", nested: { a: [{ b: "]" }] }, n: null, f: 1.5 },
    { id: 3, eventTime: "2024-05-01T00:00:00.000Z", s: "日本語 \u2028" },
  ];
  const text = JSON.stringify({ metaData: { more: true, nextPageLink: 'a"b]' }, data: events });
  assert.deepEqual(
    rawDataElements(text),
    events.map((e) => JSON.stringify(e)),
  );
});

it("keeps bytes JSON.stringify would change, and copes with spacing", () => {
  const text =
    '{ "metaData" : { "more" : false } , "data" : [ {"id":1,"v":1.0,"u":"\\u00e9"} ,\n {"id":2} ] }';
  assert.deepEqual(rawDataElements(text), ['{"id":1,"v":1.0,"u":"\\u00e9"}', '{"id":2}']);
  assert.deepEqual(rawDataElements('{"data":[]}'), []);
  const pretty = '{"data":[{\n  "id": 1\n}, {"id": 2}, 3]}';
  assert.deepEqual(
    rawDataElements(pretty),
    [undefined, '{"id": 2}', "3"],
    "pretty-printed: re-serialise",
  );
  assert.deepEqual(rawDataElements('{"data":["a\\"]",{"b":"\\\\"}]}'), ['"a\\"]"', '{"b":"\\\\"}']);
  assert.equal(rawDataElements('{"metaData":{}}'), undefined);
  assert.equal(rawDataElements("[1,2]"), undefined);
});

it("reads the VCO's eventTime form directly and agrees with Date.parse on everything", () => {
  for (const s of [
    "2021-10-23T06:48:57.000Z",
    "2024-02-29T23:59:59.999Z",
    "2024-02-30T00:00:00.000Z",
    "2024-13-01T00:00:00.000Z",
    "2021-10-23T06:48:57Z",
    "2021-10-23T06:48:57.123+02:00",
    "garbage",
  ]) {
    assert.ok(Object.is(parseEventTime(s), Date.parse(s)), s);
  }
});

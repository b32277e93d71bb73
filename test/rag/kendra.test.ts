import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KendraRetriever, toKendraFilter } from "../../src/rag/kendra-retriever.js";
import { type KendraStandIn, startKendra } from "../emulators/kendra.js";

const INDEX = "0123456789abcdef0123456789abcdef0123";
let kendra: KendraStandIn;

beforeAll(async () => {
  kendra = await startKendra();
  kendra.indexes.set(INDEX, [
    {
      id: "p1",
      documentId: "doc-1",
      title: "Vacation policy",
      uri: "https://hr.example.com/vacation",
      content: "Employees get 25 vacation days.",
      confidence: "HIGH",
      attributes: [
        { Key: "dept", Value: { StringValue: "hr" } },
        { Key: "year", Value: { LongValue: 2024 } },
      ],
    },
    {
      id: "p2",
      documentId: "doc-2",
      title: "Old vacation",
      uri: "https://hr.example.com/old",
      content: "Vacation used to be 20 days.",
      confidence: "LOW",
      attributes: [
        { Key: "dept", Value: { StringValue: "hr" } },
        { Key: "year", Value: { LongValue: 2019 } },
      ],
    },
    {
      id: "q1",
      documentId: "doc-3",
      title: "Parking",
      uri: "https://fac.example.com/parking",
      content: "Parking permits are free.",
      confidence: "MEDIUM",
      queryOnly: true,
      attributes: [{ Key: "dept", Value: { StringValue: "facilities" } }],
    },
  ]);
});
afterAll(async () => kendra.close());

describe("KendraRetriever (real SDK client against the stand-in)", () => {
  it("retrieves passages with an attribute filter, page size and confidence scores", async () => {
    const r = new KendraRetriever({ indexId: INDEX, client: kendra.client });
    const hits = await r.retrieve("vacation days", {
      k: 3,
      filter: { dept: "hr", year: { $gte: 2020 } },
    });
    expect(hits).toEqual([
      {
        id: "p1",
        text: "Employees get 25 vacation days.",
        score: 0.75,
        source: "https://hr.example.com/vacation",
        metadata: {
          dept: "hr",
          year: 2024,
          documentId: "doc-1",
          title: "Vacation policy",
          confidence: "HIGH",
          resultType: "PASSAGE",
        },
      },
    ]);
    const last = kendra.requests.at(-1);
    expect(last?.operation).toBe("Retrieve");
    expect(last?.body).toMatchObject({
      PageSize: 3,
      AttributeFilter: {
        AndAllFilters: [
          { EqualsTo: { Key: "dept", Value: { StringValue: "hr" } } },
          { GreaterThanOrEquals: { Key: "year", Value: { LongValue: 2020 } } },
        ],
      },
    });
  });

  it("drops results under minConfidence", async () => {
    const r = new KendraRetriever({
      indexId: INDEX,
      client: kendra.client,
      minConfidence: "MEDIUM",
    });
    expect((await r.retrieve("vacation")).map((h) => h.id)).toEqual(["p1"]);
  });

  it("falls back to Query when Retrieve finds nothing", async () => {
    const r = new KendraRetriever({ indexId: INDEX, client: kendra.client });
    const before = kendra.requests.length;
    const hits = await r.retrieve("parking permits");
    expect(kendra.requests.slice(before).map((q) => q.operation)).toEqual(["Retrieve", "Query"]);
    expect(hits.map((h) => [h.id, h.text, h.source, h.metadata.resultType])).toEqual([
      ["q1", "Parking permits are free.", "https://fac.example.com/parking", "DOCUMENT"],
    ]);
    const off = new KendraRetriever({
      indexId: INDEX,
      client: kendra.client,
      fallbackToQuery: false,
    });
    expect(await off.retrieve("parking permits")).toEqual([]);
  });

  it("translates filters and rejects what Kendra cannot express", () => {
    expect(toKendraFilter({ d: { $in: ["a", "b"] }, t: { $lt: "2024-01-01" } })).toEqual({
      AndAllFilters: [
        {
          OrAllFilters: [
            { EqualsTo: { Key: "d", Value: { StringValue: "a" } } },
            { EqualsTo: { Key: "d", Value: { StringValue: "b" } } },
          ],
        },
        { LessThan: { Key: "t", Value: { DateValue: new Date("2024-01-01") } } },
      ],
    });
    expect(() => toKendraFilter({ x: 1.5 })).toThrow(/whole numbers/);
    expect(() => toKendraFilter({ x: true })).toThrow(/boolean/);
  });

  it("wraps errors with the operation", async () => {
    kendra.failNext.push({ status: 400, type: "ThrottlingException", message: "slow down" });
    const r = new KendraRetriever({ indexId: INDEX, client: kendra.client });
    await expect(r.retrieve("vacation")).rejects.toMatchObject({
      code: "AWS_THROTTLING_EXCEPTION",
      retryable: true,
    });
  });
});

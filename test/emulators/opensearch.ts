/**
 * A local stand-in for the OpenSearch REST calls `OpenSearchVectorStore` makes: `HEAD /{index}`,
 * `PUT /{index}` (k-NN mappings), `GET /{index}/_mapping`, `POST /_bulk` (NDJSON, per-item
 * results), `POST /{index}/_refresh` and `POST /{index}/_search` with `knn` (+ `filter`),
 * `match`, `bool`, `term(s)`, `range`, `exists` and `hybrid` (through a registered search
 * pipeline doing min-max normalization and arithmetic-mean combination).
 *
 * It rejects what OpenSearch 3 rejects: new `nmslib` indexes, unknown HNSW parameters for the
 * engine (`ef_search` on lucene), bad space types, knn queries with a wrong vector dimension or
 * unknown keys, k over 10 000, and, in Serverless mode, custom `_id`s and `_refresh`. A filter
 * placed beside the knn clause (in a `bool`) is accepted but post-filters the k nearest, as in
 * OpenSearch, so it can return fewer than k hits. Every request's SigV4 `Authorization` header
 * is recorded.
 *
 * @module
 */
import { toUtf8 } from "@smithy/util-utf8";
import { Bm25Index } from "../../src/rag/bm25.js";
import { readBody, startServer } from "./http.js";

interface Doc {
  _id: string;
  _source: Record<string, unknown>;
}

interface StoredIndex {
  mappings: { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  settings: Record<string, unknown>;
  docs: Map<string, Doc>;
}

/** One request the stand-in received. */
export interface RecordedOpenSearchRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization?: string;
  contentSha256?: string;
}

/** A running OpenSearch stand-in. */
export interface OpenSearchStandIn {
  endpoint: string;
  indexes: Map<string, StoredIndex>;
  /** Registered search pipeline names. */
  pipelines: Set<string>;
  requests: RecordedOpenSearchRequest[];
  close(): Promise<void>;
}

class OsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
  ) {
    super(reason);
  }
}

const LUCENE_PARAMS = new Set(["m", "ef_construction"]);
const FAISS_PARAMS = new Set(["m", "ef_construction", "ef_search", "encoder"]);
const SPACES = new Set(["l2", "cosinesimil", "innerproduct"]);
const KNN_KEYS = new Set([
  "vector",
  "k",
  "filter",
  "method_parameters",
  "boost",
  "max_distance",
  "min_score",
  "expand_nested_docs",
  "rescore",
]);

function checkCreate(body: Record<string, unknown>): void {
  const props = ((body.mappings as Record<string, unknown> | undefined)?.properties ??
    {}) as Record<string, Record<string, unknown>>;
  const knn =
    ((body.settings as Record<string, Record<string, unknown>> | undefined)?.index?.knn ??
      false) === true;
  for (const [name, p] of Object.entries(props)) {
    if (p.type !== "knn_vector") continue;
    if (!knn)
      throw new OsError(
        400,
        "illegal_argument_exception",
        `Cannot create index with knn_vector field [${name}] because index.knn is not true`,
      );
    const dimension = p.dimension;
    if (typeof dimension !== "number" || dimension < 1 || dimension > 16000)
      throw new OsError(
        400,
        "mapper_parsing_exception",
        `Dimension value must be between 1 and 16000 for [${name}]`,
      );
    const method = (p.method ?? {}) as Record<string, unknown>;
    const engine = method.engine ?? "faiss";
    if (engine === "nmslib")
      throw new OsError(
        400,
        "illegal_argument_exception",
        "nmslib engine is deprecated in OpenSearch and cannot be used for new index creation starting from version 3.0.0.",
      );
    if (engine !== "faiss" && engine !== "lucene")
      throw new OsError(400, "mapper_parsing_exception", `Invalid engine [${String(engine)}]`);
    if (method.name !== "hnsw")
      throw new OsError(
        400,
        "mapper_parsing_exception",
        `Invalid method name [${String(method.name)}]`,
      );
    if (method.space_type !== undefined && !SPACES.has(method.space_type as string))
      throw new OsError(
        400,
        "mapper_parsing_exception",
        `Unable to find space: ${String(method.space_type)}`,
      );
    const allowed = engine === "lucene" ? LUCENE_PARAMS : FAISS_PARAMS;
    for (const key of Object.keys((method.parameters ?? {}) as object)) {
      if (!allowed.has(key))
        throw new OsError(
          400,
          "mapper_parsing_exception",
          `Invalid parameter for method: ${key} is not supported by ${String(engine)}`,
        );
    }
  }
}

function get(source: Record<string, unknown>, path: string): unknown {
  let v: unknown = source;
  for (const part of path.split(".")) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

function values(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function similarity(a: number[], b: number[], space: string): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let d2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
    d2 += (x - y) ** 2;
  }
  if (space === "l2") return 1 / (1 + d2);
  if (space === "innerproduct") return dot >= 0 ? dot + 1 : 1 / (1 - dot);
  return (1 + dot / (Math.sqrt(na) * Math.sqrt(nb) || 1)) / 2;
}

type Scores = Map<string, number>;

function run(query: Record<string, unknown>, index: StoredIndex): Scores {
  const entries = Object.entries(query);
  if (entries.length !== 1)
    throw new OsError(400, "parsing_exception", "query must have exactly one clause");
  const [kind, arg] = entries[0] as [string, Record<string, unknown>];
  const all = [...index.docs.values()];
  const out: Scores = new Map();
  switch (kind) {
    case "match_all":
      for (const d of all) out.set(d._id, 1);
      return out;
    case "term":
    case "terms": {
      const [path, expected] = Object.entries(arg)[0] as [string, unknown];
      const wanted = kind === "term" ? [expected] : (expected as unknown[]);
      for (const d of all)
        if (values(get(d._source, path)).some((v) => wanted.includes(v))) out.set(d._id, 1);
      return out;
    }
    case "range": {
      const [path, bounds] = Object.entries(arg)[0] as [string, Record<string, number>];
      for (const d of all) {
        const ok = values(get(d._source, path)).some(
          (v) =>
            (bounds.gt === undefined || (v as number) > bounds.gt) &&
            (bounds.gte === undefined || (v as number) >= bounds.gte) &&
            (bounds.lt === undefined || (v as number) < bounds.lt) &&
            (bounds.lte === undefined || (v as number) <= bounds.lte),
        );
        if (ok) out.set(d._id, 1);
      }
      return out;
    }
    case "exists":
      for (const d of all)
        if (values(get(d._source, arg.field as string)).length > 0) out.set(d._id, 1);
      return out;
    case "match": {
      const [path, spec] = Object.entries(arg)[0] as [string, unknown];
      const text = typeof spec === "string" ? spec : ((spec as { query: string }).query as string);
      // OpenSearch's english analyzer with its default BM25 (k1=1.2, b=0.75).
      const bm25 = new Bm25Index({ k1: 1.2, b: 0.75 });
      bm25.add(all.map((d) => ({ id: d._id, text: String(get(d._source, path) ?? "") })));
      for (const h of bm25.search(text, { k: all.length || 1 })) out.set(h.id, h.score);
      return out;
    }
    case "bool": {
      const must = ((arg.must ?? []) as Record<string, unknown>[]).map((q) => run(q, index));
      const filter = values(arg.filter).map((q) => run(q as Record<string, unknown>, index));
      const should = values(arg.should).map((q) => run(q as Record<string, unknown>, index));
      const mustNot = values(arg.must_not).map((q) => run(q as Record<string, unknown>, index));
      const minShould =
        (arg.minimum_should_match as number | undefined) ??
        (must.length + filter.length === 0 ? 1 : 0);
      for (const d of all) {
        if (!must.every((m) => m.has(d._id)) || !filter.every((f) => f.has(d._id))) continue;
        if (mustNot.some((m) => m.has(d._id))) continue;
        const matchedShould = should.filter((s) => s.has(d._id));
        if (matchedShould.length < minShould) continue;
        let score = 0;
        for (const m of must) score += m.get(d._id) ?? 0;
        for (const s of matchedShould) score += s.get(d._id) ?? 0;
        out.set(d._id, must.length + should.length === 0 ? 0 : score);
      }
      return out;
    }
    case "knn": {
      const [field, clause] = Object.entries(arg)[0] as [string, Record<string, unknown>];
      for (const key of Object.keys(clause)) {
        if (!KNN_KEYS.has(key))
          throw new OsError(400, "parsing_exception", `[knn] unknown token [${key}]`);
      }
      const mapping = index.mappings.properties[field];
      if (mapping?.type !== "knn_vector")
        throw new OsError(400, "query_shard_exception", `Field '${field}' is not knn_vector type.`);
      const vector = clause.vector as number[];
      if (!Array.isArray(vector) || vector.length !== mapping.dimension)
        throw new OsError(
          400,
          "illegal_argument_exception",
          `Query vector has invalid dimension: ${vector?.length}. Dimension should be: ${String(mapping.dimension)}`,
        );
      const k = clause.k as number;
      if (!Number.isInteger(k) || k < 1 || k > 10000)
        throw new OsError(
          400,
          "illegal_argument_exception",
          "[knn] requires k to be in the range (0, 10000]",
        );
      const space =
        ((mapping.method as Record<string, unknown> | undefined)?.space_type as
          | string
          | undefined) ?? "l2";
      const allowed = clause.filter
        ? run(clause.filter as Record<string, unknown>, index)
        : undefined;
      const scored = all
        .filter((d) => !allowed || allowed.has(d._id))
        .map((d) => ({
          id: d._id,
          s: similarity(vector, get(d._source, field) as number[], space),
        }))
        .sort((a, b) => b.s - a.s)
        .slice(0, k);
      for (const { id, s } of scored) out.set(id, s);
      return out;
    }
    default:
      throw new OsError(400, "parsing_exception", `unknown query [${kind}]`);
  }
}

function minMax(scores: Scores): Scores {
  const vals = [...scores.values()];
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const out: Scores = new Map();
  for (const [id, s] of scores) out.set(id, hi === lo ? 1 : (s - lo) / (hi - lo));
  return out;
}

/** Starts the stand-in on 127.0.0.1 port 0. `serverless` mimics OpenSearch Serverless rules. */
export async function startOpenSearch(
  options: { serverless?: boolean } = {},
): Promise<OpenSearchStandIn> {
  const indexes = new Map<string, StoredIndex>();
  const pipelines = new Set<string>();
  const requests: RecordedOpenSearchRequest[] = [];
  let autoId = 0;

  const indexOf = (name: string): StoredIndex => {
    const i = indexes.get(name);
    if (!i) throw new OsError(404, "index_not_found_exception", `no such index [${name}]`);
    return i;
  };

  const running = await startServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = toUtf8(await readBody(req));
    const method = req.method ?? "GET";
    const path = decodeURIComponent(url.pathname);
    let body: unknown;
    try {
      body =
        path === "/_bulk"
          ? raw
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l))
          : raw
            ? JSON.parse(raw)
            : undefined;
    } catch {
      body = raw;
    }
    const recorded: RecordedOpenSearchRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
    };
    if (typeof req.headers.authorization === "string")
      recorded.authorization = req.headers.authorization;
    const sha = req.headers["x-amz-content-sha256"];
    if (typeof sha === "string") recorded.contentSha256 = sha;
    requests.push(recorded);
    const send = (status: number, payload?: unknown) => {
      const json = payload === undefined ? "" : JSON.stringify(payload);
      res.writeHead(status, {
        "content-type": "application/json; charset=UTF-8",
        "content-length": Buffer.byteLength(json),
      });
      res.end(method === "HEAD" ? undefined : json);
    };
    try {
      const segments = path.split("/").filter(Boolean);
      if (options.serverless && (segments.includes("_refresh") || url.searchParams.has("refresh")))
        throw new OsError(
          404,
          "illegal_argument_exception",
          "Refresh is not supported on OpenSearch Serverless",
        );
      if (method === "HEAD" && segments.length === 1)
        return send(indexes.has(segments[0] as string) ? 200 : 404);
      if (method === "PUT" && segments.length === 1) {
        const name = segments[0] as string;
        if (indexes.has(name))
          throw new OsError(
            400,
            "resource_already_exists_exception",
            `index [${name}] already exists`,
          );
        const b = (body ?? {}) as Record<string, unknown>;
        checkCreate(b);
        indexes.set(name, {
          mappings: {
            properties: {},
            ...((b.mappings ?? {}) as Record<string, unknown>),
          } as StoredIndex["mappings"],
          settings: (b.settings ?? {}) as Record<string, unknown>,
          docs: new Map(),
        });
        return send(200, { acknowledged: true, shards_acknowledged: true, index: name });
      }
      if (method === "GET" && segments.length === 2 && segments[1] === "_mapping") {
        const name = segments[0] as string;
        return send(200, { [name]: { mappings: indexOf(name).mappings } });
      }
      if (method === "POST" && segments.length === 2 && segments[1] === "_refresh") {
        indexOf(segments[0] as string);
        return send(200, { _shards: { total: 1, successful: 1, failed: 0 } });
      }
      if (method === "POST" && path === "/_bulk") {
        const lines = body as Record<string, Record<string, unknown>>[];
        const items: Record<string, unknown>[] = [];
        for (let i = 0; i < lines.length; i++) {
          const action = lines[i] as Record<string, Record<string, unknown>>;
          const [op, meta] = Object.entries(action)[0] as [string, Record<string, unknown>];
          const index = indexOf(meta._index as string);
          if (op === "delete") {
            const existed = index.docs.delete(meta._id as string);
            items.push({
              delete: {
                _index: meta._index,
                _id: meta._id,
                status: existed ? 200 : 404,
                result: existed ? "deleted" : "not_found",
              },
            });
            continue;
          }
          const source = lines[++i] as Record<string, unknown>;
          if (options.serverless && meta._id !== undefined) {
            items.push({
              [op]: {
                _index: meta._index,
                status: 400,
                error: {
                  type: "illegal_argument_exception",
                  reason: "Document ID is not supported in create/index operation request",
                },
              },
            });
            continue;
          }
          const id = (meta._id as string | undefined) ?? `auto-${++autoId}`;
          const bad = Object.entries(index.mappings.properties).find(
            ([f, p]) =>
              p.type === "knn_vector" &&
              source[f] !== undefined &&
              (source[f] as unknown[]).length !== p.dimension,
          );
          if (bad) {
            items.push({
              [op]: {
                _index: meta._index,
                _id: id,
                status: 400,
                error: {
                  type: "mapper_parsing_exception",
                  reason: `failed to parse field [${bad[0]}] of type [knn_vector]: Vector dimension mismatch. Expected: ${String(bad[1].dimension)}, Given: ${(source[bad[0]] as unknown[]).length}`,
                },
              },
            });
            continue;
          }
          index.docs.set(id, { _id: id, _source: source });
          items.push({ [op]: { _index: meta._index, _id: id, status: 201, result: "created" } });
        }
        return send(200, {
          took: 1,
          errors: items.some(
            (it) => Object.values(it)[0] && (Object.values(it)[0] as { error?: unknown }).error,
          ),
          items,
        });
      }
      if (
        (method === "POST" || method === "GET") &&
        segments.length === 2 &&
        segments[1] === "_search"
      ) {
        const index = indexOf(segments[0] as string);
        const b = (body ?? {}) as Record<string, unknown>;
        const query = (b.query ?? { match_all: {} }) as Record<string, unknown>;
        let scores: Scores;
        if ("hybrid" in query) {
          const pipeline = url.searchParams.get("search_pipeline");
          if (!pipeline || !pipelines.has(pipeline))
            throw new OsError(
              400,
              "illegal_argument_exception",
              "hybrid query must be used with a search pipeline that has a normalization processor",
            );
          const subs = ((query.hybrid as { queries: Record<string, unknown>[] }).queries ?? []).map(
            (q) => minMax(run(q, index)),
          );
          scores = new Map();
          for (const s of subs)
            for (const [id, v] of s) scores.set(id, (scores.get(id) ?? 0) + v / subs.length);
        } else {
          scores = run(query, index);
        }
        const size = (b.size as number | undefined) ?? 10;
        const excludes = ((b._source as { excludes?: string[] } | undefined)?.excludes ??
          []) as string[];
        const ranked = [...scores.entries()].sort((a, c) => c[1] - a[1]).slice(0, size);
        const hits = ranked.map(([id, score]) => {
          const src = { ...(index.docs.get(id)?._source ?? {}) };
          for (const e of excludes) delete src[e];
          return {
            _index: segments[0],
            _id: id,
            _score: score,
            ...(b._source === false ? {} : { _source: src }),
          };
        });
        return send(200, {
          took: 1,
          timed_out: false,
          hits: {
            total: { value: scores.size, relation: "eq" },
            max_score: hits[0]?._score ?? null,
            hits,
          },
        });
      }
      throw new OsError(400, "illegal_argument_exception", `no handler for ${method} ${path}`);
    } catch (err) {
      if (err instanceof OsError) {
        return send(err.status, {
          error: {
            root_cause: [{ type: err.type, reason: err.message }],
            type: err.type,
            reason: err.message,
          },
          status: err.status,
        });
      }
      throw err;
    }
  });
  return { endpoint: running.endpoint, indexes, pipelines, requests, close: running.close };
}

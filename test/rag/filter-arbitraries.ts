/**
 * fast-check generators shared by the filter property tests of the embedded stores: metadata
 * over a few fields (scalars, arrays, nulls, missing fields) and filters from the whole filter
 * language, including fields the metadata index cannot answer.
 */
import fc from "fast-check";
import type { MetadataFilter } from "../../src/rag/filter.js";
import type { Metadata } from "../../src/rag/types.js";

/** Random metadata over a few fields: scalars, arrays, nulls and missing fields. */
export const scalar = fc.oneof(
  fc.integer({ min: 0, max: 4 }),
  fc.constantFrom("a", "b", "c", "10", "9"),
  fc.boolean(),
);
export const metadataArb: fc.Arbitrary<Metadata> = fc.dictionary(
  fc.constantFrom("f0", "f1", "f2"),
  fc.oneof(scalar, fc.constant(null), fc.array(scalar, { maxLength: 3 })),
  { maxKeys: 3 },
);
/** Random filters from the whole filter language, on indexed and unindexable fields. */
export const filterArb: fc.Arbitrary<MetadataFilter> = fc.letrec<{ filter: MetadataFilter }>(
  (tie) => {
    const field = fc.constantFrom("f0", "f1", "f2", "missing", "constructor");
    const condition = fc.oneof(
      scalar,
      fc.record({ $eq: scalar }),
      fc.record({ $ne: scalar }),
      fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }),
      fc.record({ $nin: fc.array(scalar, { maxLength: 3 }) }),
      fc.record({ $gt: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom("a", "b", "10")) }),
      fc.record({ $gte: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ $lt: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom("b", "9")) }),
      fc.record({ $lte: fc.constantFrom("a", "c", 2) }),
      fc.record({ $exists: fc.boolean() }),
      fc.record({ $gte: fc.integer({ min: 0, max: 2 }), $lt: fc.integer({ min: 2, max: 4 }) }),
    );
    return {
      filter: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.tuple(field, condition).map(([f, c]) => ({ [f]: c }) as MetadataFilter),
        fc.array(tie("filter"), { minLength: 1, maxLength: 3 }).map((fs) => ({ $and: fs })),
        fc.array(tie("filter"), { minLength: 1, maxLength: 3 }).map((fs) => ({ $or: fs })),
        tie("filter").map((f) => ({ $not: f })),
        fc.constant({}),
      ),
    };
  },
).filter;

/**
 * The snapshot of a record's metadata that the in-memory indexes ({@link Bm25Index} and
 * {@link InMemoryVectorStore}) keep, and the editable copies they hand out for saving.
 *
 * Both indexes answer a filter two ways: from an inverted metadata index built when the record
 * was added, or by testing the record's metadata object itself. If a caller could still edit that
 * object (the one it passed in, or one a search returned), the two answers would disagree and a
 * filtered result would depend on which way the index happened to take. So the indexes copy the
 * metadata once, on the way in, and freeze the copy; results share it, with no copy per result.
 *
 * @module
 * @internal
 */
import type { Metadata } from "./types.js";

/** The stored metadata of a record added without any (frozen, like every stored record). */
export const NO_METADATA: Metadata = Object.freeze({});

/**
 * A frozen copy of `metadata`: the record and every array in it. The values are scalars, null
 * and arrays of scalars (see {@link Metadata}), so one level deep covers all of it. The caller's
 * object is left as it was (not frozen), and the copy keeps its prototype choice (see
 * {@link copyRecord}).
 */
export function frozenCopy(metadata: Metadata | undefined): Metadata {
  if (metadata === undefined) return NO_METADATA;
  return Object.freeze(
    copyRecord(metadata, (value) => (Array.isArray(value) ? Object.freeze([...value]) : value)),
  );
}

/** An unfrozen copy of stored metadata, for output a caller may edit (e.g. before saving). */
export function editableCopy(metadata: Metadata): Metadata {
  return copyRecord(metadata, (value) => (Array.isArray(value) ? [...value] : value));
}

/**
 * Copies the own enumerable entries of `metadata`, mapping each value. A record without a
 * prototype is copied into one without a prototype: filters read fields by name, so on an
 * ordinary object an inherited name such as `constructor` would suddenly exist, and a filter on
 * it would match differently than on the object the caller passed. A `__proto__` key is defined
 * rather than assigned, so it stays plain data. (A plain loop: this runs once per record added
 * or loaded, and with `Object.fromEntries` over `Object.entries` adding 100,000 small records to
 * the vector store took about 7% longer.)
 */
function copyRecord(
  metadata: Metadata,
  map: (value: Metadata[string]) => Metadata[string],
): Metadata {
  const copy: Metadata = Object.getPrototypeOf(metadata) === null ? Object.create(null) : {};
  for (const key of Object.keys(metadata)) {
    const value = map(metadata[key]);
    if (key === "__proto__") {
      Object.defineProperty(copy, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else copy[key] = value;
  }
  return copy;
}

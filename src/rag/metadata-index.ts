/**
 * {@link MetadataIndex}: an inverted index from metadata values to the rows that hold them, so
 * that the embedded stores can answer a selective filter by visiting only the rows it selects
 * instead of testing every row.
 *
 * For each field the index keeps one row set per distinct scalar value (array elements are
 * indexed one by one, as the filter language compares them one by one) and one row set of rows
 * where the field is present. A {@link FilterNode} then becomes word-wise bitmap operations:
 * `eq`/`in` read the value sets, `ne`/`nin`/`not` complement them within the live rows, ranges
 * union the sets of the distinct values that compare true, `and`/`or` intersect and unite. The
 * result is the exact set of matching rows, or, when part of the filter cannot be answered from
 * the index, a superset whose rows the caller checks with the filter itself.
 *
 * @module
 */
import type { FilterNode, FilterScalar } from "./filter.js";
import type { Metadata } from "./types.js";

/** Rows of one value while few; a bitmap once the array would be larger than the bitmap. */
class RowSet {
  /** Sorted row numbers (array form); null in bitmap form. */
  #rows: Int32Array | null = new Int32Array(2);
  /** One bit per row (bitmap form); null in array form. */
  #bits: Uint32Array | null = null;
  /** Number of rows in the set. */
  count = 0;

  add(row: number): void {
    const bits = this.#bits;
    if (bits !== null) {
      const word = row >>> 5;
      const target = word < bits.length ? bits : grown(bits, word + 1);
      this.#bits = target;
      target[word] = (target[word] as number) | (1 << (row & 31));
      this.count++;
      return;
    }
    let rows = this.#rows as Int32Array;
    if (this.count === rows.length) {
      // Switch to a bitmap once it costs fewer bytes than the array would.
      if (this.count >= 64 && this.count * 32 >= row) {
        this.#toBits(row);
        this.add(row);
        return;
      }
      const next = new Int32Array(Math.ceil(rows.length * 1.5) + 2);
      next.set(rows);
      rows = next;
      this.#rows = next;
    }
    // Rows usually arrive in increasing order: append, else insert in place.
    let at = this.count;
    if (at > 0 && (rows[at - 1] as number) > row) at = lowerBound(rows, this.count, row);
    if (at < this.count) rows.copyWithin(at + 1, at, this.count);
    rows[at] = row;
    this.count++;
  }

  delete(row: number): void {
    const bits = this.#bits;
    if (bits !== null) {
      const word = row >>> 5;
      const mask = 1 << (row & 31);
      if (word < bits.length && ((bits[word] as number) & mask) !== 0) {
        bits[word] = (bits[word] as number) & ~mask;
        this.count--;
      }
      return;
    }
    const rows = this.#rows as Int32Array;
    const at = lowerBound(rows, this.count, row);
    if (at < this.count && rows[at] === row) {
      rows.copyWithin(at, at + 1, this.count);
      this.count--;
    }
  }

  /** Sets this set's bits in `out`. */
  orInto(out: Uint32Array): void {
    const bits = this.#bits;
    if (bits !== null) {
      const n = Math.min(bits.length, out.length);
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) | (bits[i] as number);
      return;
    }
    const rows = this.#rows as Int32Array;
    for (let i = 0; i < this.count; i++) {
      const row = rows[i] as number;
      out[row >>> 5] = (out[row >>> 5] as number) | (1 << (row & 31));
    }
  }

  /** Entries read by {@link RowSet.orInto}. */
  get readCost(): number {
    return this.#bits !== null ? this.#bits.length : this.count;
  }

  #toBits(maxRow: number): void {
    const bits = new Uint32Array((maxRow >>> 5) + 1);
    const rows = this.#rows as Int32Array;
    for (let i = 0; i < this.count; i++) {
      const row = rows[i] as number;
      bits[row >>> 5] = (bits[row >>> 5] as number) | (1 << (row & 31));
    }
    this.#bits = bits;
    this.#rows = null;
  }
}

function grown(bits: Uint32Array, words: number): Uint32Array {
  const next = new Uint32Array(Math.max(words, Math.ceil(bits.length * 1.5)));
  next.set(bits);
  return next;
}

function lowerBound(rows: Int32Array, length: number, row: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid] as number) < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface FieldIndex {
  /** Rows where the field is present and not null (`$exists`). */
  present: RowSet;
  /** Rows per distinct scalar value (array elements included). */
  values: Map<FilterScalar, RowSet>;
}

/** Marks a row whose metadata the index could not read faithfully (see {@link MetadataIndex}). */
const OPAQUE: readonly RowSet[] = Object.freeze([]);

/**
 * The rows a filter selects: `bits` has one bit per row (`null`: every live row), and `exact`
 * says whether every selected row matches (otherwise the selection is a superset and each row
 * must still be checked with the filter).
 */
export interface RowSelection {
  /** One bit per row, or null for all live rows. */
  bits: Uint32Array | null;
  /** True when the selected rows are exactly the matching ones. */
  exact: boolean;
  /** Number of selected rows (live rows when `bits` is null). */
  count: number;
}

interface Partial {
  bits: Uint32Array | null;
  exact: boolean;
}

const UNKNOWN: Partial = { bits: null, exact: false };

/**
 * Value-to-rows index over the metadata of numbered rows. The owner calls
 * {@link MetadataIndex.add} when a row gets metadata and {@link MetadataIndex.delete} when it
 * loses it; the index remembers which sets each row joined, so later changes to the metadata
 * object itself cannot leave stale entries behind (the filter then still sees the values the row
 * had when it was indexed).
 *
 * Metadata objects that are not plain objects (a class instance, an object with a custom
 * prototype) could answer a field through their prototype; while any such row is stored the
 * index declines to plan and callers fall back to testing rows one by one.
 */
export class MetadataIndex {
  readonly #fields = new Map<string, FieldIndex>();
  readonly #live = new RowSet();
  /** Per row: the sets it was added to. */
  #joined: (readonly RowSet[] | undefined)[] = [];
  #opaqueRows = 0;

  /** Rows indexed. */
  get size(): number {
    return this.#live.count;
  }

  /** Indexes `metadata` as the metadata of `row` (which must not be indexed already). */
  add(row: number, metadata: Metadata): void {
    this.#live.add(row);
    const proto = Object.getPrototypeOf(metadata);
    if (proto !== Object.prototype && proto !== null) {
      this.#joined[row] = OPAQUE;
      this.#opaqueRows++;
      return;
    }
    const joined: RowSet[] = [];
    for (const field of Object.getOwnPropertyNames(metadata)) {
      const value = metadata[field];
      if (value === undefined || value === null) continue;
      let index = this.#fields.get(field);
      if (index === undefined) {
        index = { present: new RowSet(), values: new Map() };
        this.#fields.set(field, index);
      }
      index.present.add(row);
      joined.push(index.present);
      this.#addValue(index, row, value, joined);
    }
    this.#joined[row] = joined;
  }

  /** Forgets the metadata of `row`. */
  delete(row: number): void {
    const joined = this.#joined[row];
    if (joined === undefined) return;
    if (joined === OPAQUE) this.#opaqueRows--;
    for (const set of joined) set.delete(row);
    this.#live.delete(row);
    this.#joined[row] = undefined;
  }

  /** Moves the entry of `from` to `to` (which must be free), e.g. when a store compacts rows. */
  move(from: number, to: number): void {
    const joined = this.#joined[from];
    if (joined === undefined) return;
    for (const set of joined) {
      set.delete(from);
      set.add(to);
    }
    this.#live.delete(from);
    this.#live.add(to);
    this.#joined[to] = joined;
    this.#joined[from] = undefined;
  }

  /**
   * An upper bound of the entries {@link MetadataIndex.select} would read for `node` over rows
   * `0..rowLimit-1`, or `Infinity` when the index cannot help; callers compare it with the cost
   * of testing rows one by one. With `limit` (that cost), counting stops once the estimate
   * reaches it and some value >= `limit` is returned: a range over a field with a distinct value
   * per row then costs the comparison O(1), not a pass over every value.
   */
  estimate(node: FilterNode, rowLimit: number, limit = Number.POSITIVE_INFINITY): number {
    if (this.#opaqueRows > 0) return Number.POSITIVE_INFINITY;
    const words = (rowLimit >>> 5) + 1;
    const leaf = (field: string, values: readonly FilterScalar[] | null) => {
      if (isInherited(field)) return words;
      const index = this.#fields.get(field);
      if (index === undefined) return words;
      if (values === null) {
        // Range: every distinct value is compared, the matching sets are read.
        let cost = index.values.size + words;
        if (cost >= limit) return cost;
        for (const set of index.values.values()) {
          cost += set.readCost;
          if (cost >= limit) return cost;
        }
        return cost;
      }
      let cost = words;
      for (const v of values) cost += index.values.get(v)?.readCost ?? 0;
      return cost;
    };
    switch (node.op) {
      case "and":
      case "or": {
        let cost = words;
        for (const child of node.children) {
          if (cost >= limit) break;
          cost += this.estimate(child, rowLimit, limit - cost);
        }
        return cost;
      }
      case "not":
        return this.estimate(node.child, rowLimit, limit - words) + words;
      case "in":
      case "nin":
        return leaf(node.field, node.values);
      case "exists":
        return leaf(node.field, []) + (this.#fields.get(node.field)?.present.readCost ?? 0);
      case "eq":
      case "ne":
        return leaf(node.field, [node.value]);
      default:
        return leaf(node.field, null);
    }
  }

  /**
   * The rows among `0..rowLimit-1` that `node` selects; `undefined` when the index cannot narrow
   * the search (every live row must then be tested).
   */
  select(node: FilterNode, rowLimit: number): RowSelection | undefined {
    if (this.#opaqueRows > 0) return undefined;
    const words = (rowLimit >>> 5) + 1;
    const result = this.#plan(node, words);
    if (result.bits === null) {
      return result.exact ? { bits: null, exact: true, count: this.#live.count } : undefined;
    }
    let count = 0;
    for (let i = 0; i < words; i++) count += popcount(result.bits[i] as number);
    return { bits: result.bits, exact: result.exact, count };
  }

  #plan(node: FilterNode, words: number): Partial {
    switch (node.op) {
      case "and": {
        let bits: Uint32Array | null = null;
        let exact = true;
        for (const child of node.children) {
          const c = this.#plan(child, words);
          exact &&= c.exact;
          if (c.bits === null) continue;
          if (bits === null) bits = c.bits;
          else
            for (let i = 0; i < words; i++) bits[i] = (bits[i] as number) & (c.bits[i] as number);
        }
        // An empty `and` matches every row; an `and` of unknowns narrows nothing.
        return { bits, exact };
      }
      case "or": {
        const bits = new Uint32Array(words);
        for (const child of node.children) {
          const c = this.#plan(child, words);
          if (!c.exact) return UNKNOWN;
          if (c.bits === null) return { bits: null, exact: true };
          for (let i = 0; i < words; i++) bits[i] = (bits[i] as number) | (c.bits[i] as number);
        }
        return { bits, exact: true };
      }
      case "not": {
        const c = this.#plan(node.child, words);
        if (!c.exact) return UNKNOWN;
        if (c.bits === null) return { bits: new Uint32Array(words), exact: true };
        return { bits: this.#complement(c.bits, words), exact: true };
      }
      case "in":
      case "nin": {
        const bits = this.#union(node.field, node.values, words);
        if (bits === null) return UNKNOWN;
        return { bits: node.op === "in" ? bits : this.#complement(bits, words), exact: true };
      }
      case "eq":
      case "ne": {
        const bits = this.#union(node.field, [node.value], words);
        if (bits === null) return UNKNOWN;
        return { bits: node.op === "eq" ? bits : this.#complement(bits, words), exact: true };
      }
      case "exists": {
        if (isInherited(node.field)) return UNKNOWN;
        const bits = new Uint32Array(words);
        this.#fields.get(node.field)?.present.orInto(bits);
        return { bits: node.value ? bits : this.#complement(bits, words), exact: true };
      }
      default: {
        if (isInherited(node.field)) return UNKNOWN;
        const bits = new Uint32Array(words);
        const index = this.#fields.get(node.field);
        if (index === undefined) return { bits, exact: true };
        const b = node.value;
        for (const [value, set] of index.values) {
          // The filter orders numbers with numbers and strings with strings only.
          if (typeof value !== typeof b || typeof value === "boolean") continue;
          const a = value as number | string;
          const y = b as number | string;
          const hit =
            node.op === "gt"
              ? a > y
              : node.op === "gte"
                ? a >= y
                : node.op === "lt"
                  ? a < y
                  : a <= y;
          if (hit) set.orInto(bits);
        }
        return { bits, exact: true };
      }
    }
  }

  #union(field: string, values: readonly FilterScalar[], words: number): Uint32Array | null {
    if (isInherited(field)) return null;
    const bits = new Uint32Array(words);
    const index = this.#fields.get(field);
    if (index === undefined) return bits;
    for (const v of values) index.values.get(v)?.orInto(bits);
    return bits;
  }

  /** Live rows not in `bits` (rows that are not stored never match, not even a negation). */
  #complement(bits: Uint32Array, words: number): Uint32Array {
    const live = new Uint32Array(words);
    this.#live.orInto(live);
    for (let i = 0; i < words; i++) bits[i] = (live[i] as number) & ~(bits[i] as number);
    return bits;
  }

  #addValue(index: FieldIndex, row: number, value: unknown, joined: RowSet[]): void {
    if (Array.isArray(value)) {
      for (const element of value) this.#addValue(index, row, element, joined);
      return;
    }
    // Only scalars can equal or order against a filter value; anything else only "exists".
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
      return;
    let set = index.values.get(value);
    if (set === undefined) {
      set = new RowSet();
      index.values.set(value, set);
    }
    // An array may repeat a value; the row joins its set once.
    if (joined.includes(set)) return;
    set.add(row);
    joined.push(set);
  }
}

/** A field name that a plain object answers through Object.prototype (`constructor`, ...). */
function isInherited(field: string): boolean {
  return field in Object.prototype;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Writes a tiny BERT-shaped feature-extraction model folder for transformers.js, so tests run
 * the real loading, tokenizing, ONNX inference and pooling code without the Hugging Face Hub.
 *
 * The ONNX graph is one Gather: `last_hidden_state[b, t, :] = table[input_ids[b, t], :]`. That
 * makes every pooled vector computable by hand from the table the test chose. The protobuf is
 * written field by field (a dozen ONNX fields), so no protobuf package is needed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The WordPiece vocabulary, in id order: four specials, words, then `##` continuations. */
export const TINY_VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "hello",
  "world",
  "play",
  "##ing",
  "cats",
  "dogs",
  "and",
  "the",
  "sky",
  "is",
  "blue",
] as const;

/** Token id of a vocabulary entry. */
export function tokenId(token: (typeof TINY_VOCAB)[number]): number {
  return TINY_VOCAB.indexOf(token);
}

// --- protobuf wire format: varints, length-delimited fields -------------------------------------

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // two's complement, as protobuf encodes negative int64
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function intField(field: number, value: number): number[] {
  return [...varint(field << 3), ...varint(value)];
}

function bytesField(field: number, bytes: Uint8Array | number[]): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

function stringField(field: number, text: string): number[] {
  return bytesField(field, new TextEncoder().encode(text));
}

// --- ONNX messages (field numbers from onnx/onnx.proto) ----------------------------------------

const FLOAT = 1;
const INT64 = 7;

/** ValueInfoProto with a tensor type; a string dim is symbolic (dim_param), a number fixed. */
function valueInfo(name: string, elemType: number, dims: (string | number)[]): number[] {
  const shape = dims.flatMap((d) =>
    bytesField(1, typeof d === "number" ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = [...intField(1, elemType), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

function floatTensor(name: string, dims: number[], values: Float32Array): number[] {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return [
    ...dims.flatMap((d) => intField(1, d)),
    ...intField(2, FLOAT),
    ...stringField(8, name),
    ...bytesField(9, raw),
  ];
}

function node(opType: string, inputs: string[], outputs: string[], attrs: number[][] = []) {
  return [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, `${opType}_0`),
    ...stringField(4, opType),
    ...attrs.flatMap((a) => bytesField(5, a)),
  ];
}

/** An INT attribute (AttributeProto: name=1, i=3, type=20 with INT=2). */
function intAttribute(name: string, value: number): number[] {
  return [...stringField(1, name), ...intField(3, value), ...intField(20, 2)];
}

/** ONNX bytes of the Gather graph over `table` (vocab x dims, row-major). */
export function tinyBertOnnx(table: Float32Array, dims: number): Uint8Array {
  const vocab = table.length / dims;
  const graph = [
    ...bytesField(
      1,
      node("Gather", ["embeddings", "input_ids"], ["last_hidden_state"], [intAttribute("axis", 0)]),
    ),
    ...stringField(2, "tiny-bert"),
    ...bytesField(5, floatTensor("embeddings", [vocab, dims], table)),
    ...bytesField(11, valueInfo("input_ids", INT64, ["batch", "sequence"])),
    ...bytesField(11, valueInfo("attention_mask", INT64, ["batch", "sequence"])),
    ...bytesField(12, valueInfo("last_hidden_state", FLOAT, ["batch", "sequence", dims])),
  ];
  const model = [
    ...intField(1, 8), // ir_version 8 (ONNX 1.10+)
    ...stringField(2, "fmops-tests"),
    ...bytesField(7, graph),
    ...bytesField(8, [...stringField(1, ""), ...intField(2, 17)]), // default domain, opset 17
  ];
  return Uint8Array.from(model);
}

// --- the model folder ---------------------------------------------------------------------------

function tokenizerJson(): Record<string, unknown> {
  const special = (id: number) => ({
    id,
    content: TINY_VOCAB[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const cls = tokenId("[CLS]");
  const sep = tokenId("[SEP]");
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [0, 1, 2, 3, 4].map(special),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [cls], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [sep], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TINY_VOCAB.map((token, id) => [token, id])),
    },
  };
}

/**
 * Writes `config.json`, `tokenizer.json`, `tokenizer_config.json` and `onnx/model.onnx` into
 * `folder` (created). `table` holds one row of `dims` numbers per vocabulary entry.
 */
export async function writeTinyBertModel(
  folder: string,
  table: Float32Array,
  dims: number,
): Promise<void> {
  if (table.length !== TINY_VOCAB.length * dims) throw new Error("table must be vocab x dims");
  await mkdir(join(folder, "onnx"), { recursive: true });
  const config = {
    model_type: "bert",
    architectures: ["BertModel"],
    hidden_size: dims,
    vocab_size: TINY_VOCAB.length,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    max_position_embeddings: 64,
    pad_token_id: 0,
  };
  const tokenizerConfig = {
    tokenizer_class: "BertTokenizer",
    do_lower_case: true,
    model_max_length: 64,
    cls_token: "[CLS]",
    sep_token: "[SEP]",
    pad_token: "[PAD]",
    unk_token: "[UNK]",
    mask_token: "[MASK]",
  };
  await writeFile(join(folder, "config.json"), JSON.stringify(config));
  await writeFile(join(folder, "tokenizer.json"), JSON.stringify(tokenizerJson()));
  await writeFile(join(folder, "tokenizer_config.json"), JSON.stringify(tokenizerConfig));
  await writeFile(join(folder, "onnx", "model.onnx"), tinyBertOnnx(table, dims));
}

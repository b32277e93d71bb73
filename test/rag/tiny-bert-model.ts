/**
 * Writes a tiny BERT-shaped feature-extraction model folder for transformers.js, so tests run
 * the real loading, tokenizing, ONNX inference and pooling code without the Hugging Face Hub.
 *
 * The ONNX graph is one Gather: `last_hidden_state[b, t, :] = table[input_ids[b, t], :]`. That
 * makes every pooled vector computable by hand from the table the test chose (the ONNX file is
 * written by test/support/onnx.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FLOAT, INT64, onnxModel } from "../support/onnx.js";

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

/** ONNX bytes of the Gather graph over `table` (vocab x dims, row-major). */
export function tinyBertOnnx(table: Float32Array, dims: number): Uint8Array {
  const vocab = table.length / dims;
  return onnxModel({
    name: "tiny-bert",
    nodes: [
      {
        op: "Gather",
        inputs: ["embeddings", "input_ids"],
        outputs: ["last_hidden_state"],
        ints: { axis: 0 },
      },
    ],
    initializers: [{ name: "embeddings", elemType: FLOAT, dims: [vocab, dims], values: table }],
    inputs: [
      { name: "input_ids", elemType: INT64, dims: ["batch", "sequence"] },
      { name: "attention_mask", elemType: INT64, dims: ["batch", "sequence"] },
    ],
    outputs: [{ name: "last_hidden_state", elemType: FLOAT, dims: ["batch", "sequence", dims] }],
  });
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

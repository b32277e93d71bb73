/**
 * Writes a tiny BERT-shaped text-classification model folder for transformers.js, so tests run
 * the real loading, tokenizing, ONNX inference and softmax of the text-classification pipeline.
 *
 * The tokenizer files come from the feature-extraction generator in test/rag/tiny-bert-model.ts
 * (same vocabulary); this file replaces `config.json` (classification head, `id2label`) and
 * `onnx/model.onnx`. The graph is Gather + ReduceSum:
 * `logits[b, :] = sum over t of table[input_ids[b, t], :]`, so with a zero row for `[PAD]` the
 * probabilities are `softmax(sum of the rows of the text's tokens)`, computable by hand.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TINY_VOCAB, tokenId, writeTinyBertModel } from "../../rag/tiny-bert-model.js";
import { FLOAT, INT64, onnxModel } from "../../support/onnx.js";

export { TINY_VOCAB, tokenId };

/** ONNX bytes of the Gather + ReduceSum graph over `table` (vocab x labels, row-major). */
export function tinyClassifierOnnx(table: Float32Array, labels: number): Uint8Array {
  const vocab = table.length / labels;
  return onnxModel({
    name: "tiny-classifier",
    nodes: [
      {
        op: "Gather",
        inputs: ["weights", "input_ids"],
        outputs: ["token_logits"],
        ints: { axis: 0 },
      },
      // Since opset 13 ReduceSum takes its axes as a second input.
      {
        op: "ReduceSum",
        inputs: ["token_logits", "axes"],
        outputs: ["logits"],
        ints: { keepdims: 0 },
      },
    ],
    initializers: [
      { name: "weights", elemType: FLOAT, dims: [vocab, labels], values: table },
      { name: "axes", elemType: INT64, dims: [1], values: BigInt64Array.from([1n]) },
    ],
    inputs: [
      { name: "input_ids", elemType: INT64, dims: ["batch", "sequence"] },
      { name: "attention_mask", elemType: INT64, dims: ["batch", "sequence"] },
    ],
    outputs: [{ name: "logits", elemType: FLOAT, dims: ["batch", labels] }],
  });
}

/**
 * Writes a classifier folder: `table` holds one row of `labels.length` logits per vocabulary
 * entry (row 0, `[PAD]`, should be zeros), `labels` are the `id2label` names in id order.
 */
export async function writeTinyClassifierModel(
  folder: string,
  table: Float32Array,
  labels: readonly string[],
): Promise<void> {
  if (table.length !== TINY_VOCAB.length * labels.length)
    throw new Error("table must be vocab x labels");
  await writeTinyBertModel(folder, new Float32Array(TINY_VOCAB.length), 1);
  const config = {
    model_type: "bert",
    architectures: ["BertForSequenceClassification"],
    hidden_size: 1,
    vocab_size: TINY_VOCAB.length,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    max_position_embeddings: 64,
    pad_token_id: 0,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  };
  await writeFile(join(folder, "config.json"), JSON.stringify(config));
  await writeFile(join(folder, "onnx", "model.onnx"), tinyClassifierOnnx(table, labels.length));
}

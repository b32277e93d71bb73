/**
 * Image search by text: generates a few images with Nova Canvas, saves them to a folder, indexes
 * the folder with Titan Multimodal Embeddings in the in-memory vector store, and searches it with
 * text queries.
 *
 *   node --import tsx examples/image-search.ts                 # against a local Bedrock stand-in
 *   FMOPS_BEDROCK_REGION=us-east-1 node --import tsx examples/image-search.ts   # real Bedrock
 *   FMOPS_IMAGE_DIR=./photos FMOPS_BEDROCK_REGION=us-east-1 node --import tsx examples/image-search.ts
 *
 * Without FMOPS_BEDROCK_REGION it starts a Bedrock Runtime stand-in on 127.0.0.1 that speaks the
 * InvokeModel wire format of both models: its images are one-colour PNGs (the colour named in
 * the prompt) and its embeddings place texts and images by the colours they name, a miniature of
 * the shared space the real model learns. With FMOPS_IMAGE_DIR, that folder is indexed instead
 * of generated images.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import {
  BedrockImageModel,
  saveImages,
  TitanMultimodalEmbeddingModel,
} from "../src/models/index.js";
import { InMemoryVectorStore } from "../src/rag/index.js";
import {
  bedrockImageModels,
  startBedrockRuntime,
  titanMultimodalEmbeddings,
} from "../test/emulators/index.js";

const SUBJECTS = ["a red barn", "a blue lake", "a green forest", "a yellow sunflower field"];
const QUERIES = ["something blue and calm", "a bright yellow flower"];

async function main(): Promise<void> {
  const region = process.env.FMOPS_BEDROCK_REGION || undefined;
  const generate = bedrockImageModels();
  const embed = titanMultimodalEmbeddings();
  const standIn = region
    ? undefined
    : await startBedrockRuntime({
        invokeModel: (req) =>
          req.modelId.startsWith("amazon.titan-embed-image") ? embed(req) : generate(req),
      });
  const aws = standIn ? { client: standIn.client } : { region: region as string };
  const scratch = await mkdtemp(join(tmpdir(), "fmops-image-search-"));
  try {
    // 1. A folder of images: the user's, or a few generated ones.
    let folder = process.env.FMOPS_IMAGE_DIR || undefined;
    if (!folder) {
      folder = scratch;
      const canvas = new BedrockImageModel({ modelId: "amazon.nova-canvas-v1:0", ...aws });
      for (const [i, subject] of SUBJECTS.entries()) {
        const result = await canvas.generate({ prompt: subject, width: 512, height: 512, seed: i });
        const [path] = await saveImages(result, folder, { prefix: subject.replaceAll(" ", "-") });
        console.log(`generated ${path?.slice(folder.length + 1)}`);
      }
    }

    // 2. Index every PNG/JPEG in the folder.
    const titan = new TitanMultimodalEmbeddingModel({ dimensions: 384, ...aws });
    const names = (await readdir(folder))
      .filter((n) => [".png", ".jpg", ".jpeg"].includes(extname(n).toLowerCase()))
      .sort();
    const files = await Promise.all(
      names.map(async (name) => ({
        name,
        bytes: new Uint8Array(await readFile(join(folder, name))),
      })),
    );
    const vectors = await titan.embedImages(files.map((f) => ({ bytes: f.bytes })));
    const store = new InMemoryVectorStore({ dimensions: titan.dimensions });
    store.add(
      files.map((f, i) => ({
        id: f.name,
        text: f.name,
        vector: vectors[i] as Float32Array,
        metadata: { bytes: f.bytes.length },
      })),
    );
    console.log(`indexed ${files.length} images with ${titan.id}`);

    // 3. Search the images by text: queries land in the same vector space.
    const queryVectors = await titan.embed(QUERIES);
    for (const [i, query] of QUERIES.entries()) {
      const hits = await store.search(queryVectors[i] as Float32Array, { k: 2 });
      const shown = hits.map((h) => `${h.id} (${h.score.toFixed(3)})`).join(", ");
      console.log(`"${query}" -> ${shown}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await standIn?.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

// An offline fmops/rag program, run by test/package/lazy-sdk.mjs under Deno with no --allow-env:
// it must need no permission beyond reading its own files, because nothing it uses calls AWS.
// It imports the build, so tsconfig.json leaves it out of `npm run typecheck`, which runs before
// `npm run build` on a clean clone.
import { Bm25Index } from "../../dist/rag/index.js";

const index = new Bm25Index();
index.add([
  { id: "athena", text: "Athena runs SQL over data in S3." },
  { id: "kendra", text: "Kendra is an enterprise search service." },
]);
const [top] = await index.retrieve("SQL over S3", { k: 1 });
console.log(top?.id);

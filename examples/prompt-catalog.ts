/**
 * Loads the example prompt catalog, renders a prompt, and runs it on a scripted model.
 *
 *   node --import tsx examples/prompt-catalog.ts
 *
 * Swap FakeChatModel for BedrockChatModel (fmops/models) to run it for real.
 */
import { fileURLToPath } from "node:url";
import { lintPrompt, loadPromptFolder, renderText } from "../src/prompts/index.js";
import { FakeChatModel } from "../src/testing/index.js";

const dir = fileURLToPath(new URL("./prompts/", import.meta.url));
const catalog = await loadPromptFolder(dir);

for (const p of catalog.list()) {
  console.log(`${p.id}: versions ${p.versions.join(", ")}; labels ${JSON.stringify(p.labels)}`);
}

// production -> version 1; staging -> version 2.
const request = catalog.render("support.reply", {
  customer: "Ada",
  question: "Can I change the delivery address of order {{1234}}?",
});
console.log("\nRendered request:", JSON.stringify(request, null, 2));

const model = new FakeChatModel({
  responses: ['Yes: open the order page and choose "Change address" before it ships.'],
});
const answer = await model.generate(request);
console.log("\nModel answer:", answer.text);

// The same prompt for a SageMaker container that takes raw Llama 3 text.
const staging = catalog.get("support.reply", { label: "staging" });
console.log(
  "\nLlama 3 text:\n",
  renderText(staging, { customer: "Ada", question: "Hi?" }, "llama3"),
);

console.log(
  "\nDiff 1..2:\n",
  catalog.diff("support.reply", "1", "2").changes.map((c) => c.field),
);
console.log("Lint poster:", lintPrompt(catalog.get("poster.scene")));

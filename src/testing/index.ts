/**
 * `fmops/testing`: scripted stand-ins for models, for unit tests of code that uses fmops.
 *
 * @example
 * ```ts
 * import { FakeChatModel, FakeEmbeddingModel } from "fmops/testing";
 *
 * const model = new FakeChatModel({ responses: ["Paris"] });
 * const answer = await model.generate({ messages: [{ role: "user", content: "Capital of France?" }] });
 * // answer.text === "Paris"; model.requests[0].messages[0].content === "Capital of France?"
 * ```
 *
 * @packageDocumentation
 */

export { type ChatContractTurn, chatModelContract } from "./contracts/chat-model.js";
export { ContractViolationError } from "./contracts/contract.js";
export { embeddingModelContract } from "./contracts/embedding-model.js";
export { evaluationAlgorithmContract } from "./contracts/evaluation-algorithm.js";
export { retrieverContract } from "./contracts/retriever.js";
export { sqlEngineContract } from "./contracts/sql-engine.js";
export type { FakeReply } from "./fake-chat-model.js";
export { FakeChatModel, type FakeChatModelOptions } from "./fake-chat-model.js";
export { FakeEmbeddingModel, type FakeEmbeddingModelOptions } from "./fake-embedding-model.js";

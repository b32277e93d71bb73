/**
 * Evaluation metrics that reproduce their reference implementations exactly: ROUGE
 * (`rouge_score`), METEOR, Porter stemming, Punkt sentence splitting and word tokenization (NLTK), QA accuracy and factual
 * knowledge (fmeval), BERTScore (`bert_score`), plus retrieval and SQL execution accuracy.
 *
 * @module
 */
export {
  type BertScore,
  type BertScoreBaseline,
  type BertScoreIdf,
  type BertScoreLibrary,
  type BertScoreModel,
  type BertScorePair,
  BertScorer,
  type BertScorerOptions,
  type BertScoreTensorClass,
  type BertScoreTokenizer,
  FMEVAL_BERTSCORE_MODEL,
} from "./bertscore.js";
export {
  type MeteorDetails,
  type MeteorOptions,
  meteorScore,
  meteorScoreDetails,
  meteorScoreTokens,
  type SentenceSplitting,
} from "./meteor.js";
export { NltkPorterStemmer, nltkPorterStem } from "./porter.js";
export {
  PUNKT_ORTHO,
  type PunktParameters,
  PunktSentenceTokenizer,
  type PunktTabFiles,
  parsePunktTab,
} from "./punkt.js";
export {
  type DefaultPunkt,
  findPunktData,
  getDefaultPunkt,
  loadPunkt,
  nltkDataPath,
  type PunktDataLocation,
  type PunktDataOptions,
} from "./punkt-data.js";
export {
  AND_DELIMITER,
  type FactualKnowledgeOptions,
  type FactualKnowledgeScores,
  factualKnowledgeScores,
  normalizeAnswer,
  OR_DELIMITER,
  type QaOptions,
  type QaScores,
  qaScores,
} from "./qa.js";
export {
  type RetrievalOptions,
  type RetrievalScores,
  retrievalScores,
} from "./retrieval.js";
export {
  type RougeOptions,
  type RougeScore,
  type RougeScores,
  type RougeType,
  rougeScores,
  rougeTokenize,
} from "./rouge.js";
export {
  queryOrders,
  type ResultRow,
  type SqlMatchOptions,
  sqlExecutionMatch,
} from "./sql.js";
export { type SentenceTokenizer, type WordTokenizeOptions, wordTokenize } from "./tokenize.js";
export {
  getDefaultWordNet,
  type LoadWordNetOptions,
  loadWordNet,
  WordNet,
  type WordNetPos,
  type WordNetSource,
} from "./wordnet.js";

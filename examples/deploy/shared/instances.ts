/**
 * GPUs per SageMaker instance type, for the checks that catch a tensor-parallel degree or
 * `SM_NUM_GPUS` larger than the instance before a 15-minute failed deployment does.
 *
 * @module
 */

/** NVIDIA GPUs on the GPU instance types these examples target (g4dn, g5, g6, g6e, p4d, p5). */
const GPUS: Record<string, number> = {
  "ml.g4dn.xlarge": 1,
  "ml.g4dn.2xlarge": 1,
  "ml.g4dn.12xlarge": 4,
  "ml.g5.xlarge": 1,
  "ml.g5.2xlarge": 1,
  "ml.g5.4xlarge": 1,
  "ml.g5.8xlarge": 1,
  "ml.g5.16xlarge": 1,
  "ml.g5.12xlarge": 4,
  "ml.g5.24xlarge": 4,
  "ml.g5.48xlarge": 8,
  "ml.g6.xlarge": 1,
  "ml.g6.2xlarge": 1,
  "ml.g6.4xlarge": 1,
  "ml.g6.8xlarge": 1,
  "ml.g6.16xlarge": 1,
  "ml.g6.12xlarge": 4,
  "ml.g6.24xlarge": 4,
  "ml.g6.48xlarge": 8,
  "ml.g6e.xlarge": 1,
  "ml.g6e.2xlarge": 1,
  "ml.g6e.12xlarge": 4,
  "ml.g6e.48xlarge": 8,
  "ml.p4d.24xlarge": 8,
  "ml.p5.48xlarge": 8,
};

/**
 * GPUs on `instanceType`, or undefined when it is not in the table (CPU types, new families):
 * callers then skip the check rather than guess.
 *
 * @example
 * ```ts
 * gpusPerInstance("ml.g5.12xlarge"); // 4
 * ```
 */
export function gpusPerInstance(instanceType: string): number | undefined {
  return GPUS[instanceType];
}

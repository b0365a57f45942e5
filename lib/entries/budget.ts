/**
 * `node-tracemalloc/budget`: tracing under a CPU budget. Picks the sampling
 * interval that keeps the sampler's cost under a share of the program's time.
 *
 * @module node-tracemalloc/budget
 */
export {
  startWithBudget,
  chooseInterval,
  sampleCostMicros,
  safeInterval,
  WORST_CASE_ALLOCATION_RATE,
  type BudgetOptions,
  type BudgetChoice,
} from '../tracer/budget';
export type { BudgetWatch, BudgetReading, BudgetRestart } from '../tracer/budget-watch';

/**
 * Simulation: a deterministic discrete-event run of a scenario through a real desk, to compare
 * dispatch policies and staffing before trying them on customers.
 *
 * @module simulate
 */
export {
  type CompareOptions,
  type Comparison,
  type ComparisonRow,
  compare,
  comparisonRow,
  formatComparison,
} from './compare';
export {
  type DispatchPolicy,
  policyName,
  runSimulation,
  type SimAgentResult,
  type SimAgentView,
  type SimJob,
  type SimulateOptions,
  type SimulationProgress,
  type SimulationResult,
  type SimulationRun,
  simulate,
} from './engine';
export {
  DispatchPolicySchema,
  type DispatchPolicySpec,
  type Distribution,
  DistributionSchema,
  parseScenario,
  type Scenario,
  type ScenarioInput,
  ScenarioSchema,
} from './scenario';

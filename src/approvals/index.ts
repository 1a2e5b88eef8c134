/**
 * Approval flows (审批): steps in series, each one approver, a role or a parallel group
 * (`all`, `any`, `{ quorum: k }`); delegation after business time; rate-limited nudges (催办);
 * and a per-ticket SHA-256 hash chain of every approval record, verifiable and anchorable.
 * Self-contained: the desk wires gating (`gates.to`) and rejection moves (`onReject.moveTo`).
 *
 * @module approvals
 */
export {
  canonicalRecord,
  chainHead,
  GENESIS_HASH,
  hashApprovalRecord,
  sealApprovalRecord,
  verifyApprovalChain,
} from './chain';
export { defineApprovalFlow } from './define';
export { createApprovals } from './engine';
export { ApprovalError, type ApprovalErrorReason } from './errors';
export { type MemoryApprovalStore, memoryApprovalStore } from './store';
export {
  APPROVAL_EVENT_TYPES,
  type AppendResult,
  type ApprovalActor,
  type ApprovalDecision,
  type ApprovalDirectory,
  type ApprovalEvent,
  type ApprovalFlow,
  type ApprovalFlowSpec,
  type ApprovalInstance,
  type ApprovalRecord,
  type ApprovalRecordType,
  type ApprovalResult,
  type ApprovalState,
  type ApprovalStep,
  type ApprovalStepSpec,
  type ApprovalStore,
  type Approvals,
  type ApprovalsOptions,
  type ApproverSeat,
  type ApproverSpec,
  type Awaitable,
  type ChainHead,
  type ChainVerification,
  type DecideInput,
  type Delegation,
  type GroupMode,
  type GroupSpec,
  type NudgeResult,
  type PutInstanceResult,
  type Recipients,
  type RoleSpec,
  type StepState,
  type StepStatus,
  type TickResult,
  type UnsealedApprovalRecord,
} from './types';

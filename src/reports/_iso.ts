// Internal to src/reports: fast reading of stored ISO instants (shared with the SLA clocks).
export { isoMs } from '../_internal/iso';

export { estimatedUsage, NO_USAGE, type TokenUsage } from '../../core/usage.js';

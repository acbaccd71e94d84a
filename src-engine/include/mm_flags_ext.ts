// Re-export of the numeric ABI plus a few names that clash with JS words.
export * from './mm_flags';
export const EOVERFLOW_ = 75;

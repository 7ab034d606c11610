// The chronyd helpers live in test/support, shared with the benchmarks.
export * from "../support/chronyd";

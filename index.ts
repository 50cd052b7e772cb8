// Wiring only: config is read and validated once in config.ts; components take plain values.
export {};

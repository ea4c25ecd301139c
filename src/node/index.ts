/**
 * `losskit/node`: the Node-only parts (files, terminal output, the CLI's building blocks).
 */
export {};

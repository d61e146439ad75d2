// The wire contract of PROTOCOL.md, implemented once for the board, the
// simulator, the gateway and the tools.
export * from "./bytes";
export * from "./cbor";
export * from "./cose";
export * from "./entry";
export * from "./errors";
export * from "./ids";
export * from "./json";
export * from "./message";
export * from "./payload";
export * from "./receipt";
export * from "./sig";
export * from "./topics";

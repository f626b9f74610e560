// Evaluated before onnxruntime-node (see onnxruntime.ts): its library reads this when it loads.
process.env.ORT_DISABLE_TELEMETRY = '1';

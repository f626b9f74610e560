/**
 * onnxruntime-node, with its telemetry off. onnxruntime 1.30 starts a telemetry system when its library
 * loads unless ORT_DISABLE_TELEMETRY is set then: it keeps a device id and an event queue in
 * ~/.cache/Microsoft/DeveloperTools and posts events to mobile.events.data.microsoft.com. FacePheno runs
 * offline, so the variable is set before the library is imported, here, the one module that imports it
 * (ESLint keeps it so), and in each entry point's main thread (see src/main/telemetry-off.ts).
 */
import '../telemetry-off.js';
import * as ort from 'onnxruntime-node';

export { ort };

/**
 * Local embedding models run on @huggingface/transformers and ONNX Runtime (about 430 MB), which the gateway's
 * own install leaves out: only operators who use HF_MODELS_DIR add them, with one command.
 */
export const LOCAL_EMBEDDINGS_PACKAGE = '@huggingface/transformers';
export const LOCAL_EMBEDDINGS_INSTALL = `npm install ${LOCAL_EMBEDDINGS_PACKAGE}`;

const resolvable = (specifier: string): boolean => {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
};

/** Why local embeddings cannot run here, or undefined when their runtime is installed. */
export function missingLocalEmbeddingRuntime(isInstalled: (specifier: string) => boolean = resolvable): string | undefined {
  if (isInstalled(LOCAL_EMBEDDINGS_PACKAGE)) return undefined;
  return (
    `HF_MODELS_DIR is set, but local embedding models need ${LOCAL_EMBEDDINGS_PACKAGE} (with ONNX Runtime, about 430 MB), which is not installed. ` +
    `Run \`${LOCAL_EMBEDDINGS_INSTALL}\`, or serve embeddings from a TEI server (HF_TEI_URL)`
  );
}

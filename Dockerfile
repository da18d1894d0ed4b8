# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and build the console with the dev dependencies.
# Debian, not Alpine: ONNX Runtime (local embeddings, when the image is built with them) ships glibc binaries only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
RUN npm ci --ignore-scripts
COPY src ./src
COPY test ./test
COPY scripts ./scripts
# The server, and the admin console and playground (Vite, precompressed) into dist/ui.
RUN npm run build

# Runtime stage: production dependencies and the compiled server only, run as the unprivileged node user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Local embedding models (HF_MODELS_DIR) need @huggingface/transformers and ONNX Runtime, about 430 MB: left out
# unless the image is built with --build-arg LOCAL_EMBEDDINGS=true (then at the version package.json names, moved to
# the image's production dependencies so that nothing else of the dev ones comes along, with ONNX Runtime's binaries
# for this platform only).
ARG LOCAL_EMBEDDINGS=false
RUN npm ci --omit=dev --ignore-scripts \
  && if [ "$LOCAL_EMBEDDINGS" = "true" ]; then \
       npm install --save-prod --ignore-scripts "@huggingface/transformers@$(node -p "require('./package.json').devDependencies['@huggingface/transformers']")" \
       && find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + ; \
     fi \
  && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/ui ./dist/ui
USER node
EXPOSE 8000
# With ALLOWED_TOKENS set the gateway listens on every interface. Without tokens it is open and listens on
# 127.0.0.1 only, which is unreachable from outside the container: set HOST=0.0.0.0 to run it open on purpose.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A young generation of up to 2 × 32 MB (V8's default here is 2 × 16 MB) halves the scavenges under load, for
# about 5 % less CPU per request; npm start uses the same flag.
CMD ["node", "--max-semi-space-size=32", "dist/src/main.js"]

import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The built app is embedded in the Go binary (web/embed.go) and served under /app/.
export default defineConfig({
  base: "/app/",
  plugins: [svelte()],
  build: { outDir: "dist", emptyOutDir: true, assetsDir: "assets", sourcemap: false, target: "es2022" },
  server: { proxy: { "/v1": "http://localhost:8080", "/team-inbox": "http://localhost:8080", "/ws": { target: "ws://localhost:8080", ws: true } } },
});

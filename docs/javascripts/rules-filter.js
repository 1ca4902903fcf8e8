// Filter the rules table as you type (id, name, severity, title). Re-bound on every instant-navigation page load.
function bindRulesFilter() {
  const input = document.getElementById("rules-filter");
  if (!input) return;
  const rows = Array.from(input.closest("article").querySelectorAll("table tbody tr"));
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const row of rows) {
      const text = row.textContent.toLowerCase();
      row.style.display = words.every((w) => text.includes(w)) ? "" : "none";
    }
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(bindRulesFilter);
} else {
  document.addEventListener("DOMContentLoaded", bindRulesFilter);
}

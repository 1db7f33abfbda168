// Salary guide form: S in city A buys what S / PPP_A * PPP_B buys in city B (factors on the <option>s).
(function () {
  "use strict";
  var form = document.getElementById("guide-form");
  if (!form) return;
  var out = document.getElementById("g-result");

  function format(amount, currency) {
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency: currency, maximumFractionDigits: 0 }).format(amount);
    } catch (e) {
      return Math.round(amount).toLocaleString("en") + " " + currency;
    }
  }

  function update() {
    var salary = Number(form.elements.salary.value);
    var from = form.elements.from.selectedOptions[0], to = form.elements.to.selectedOptions[0];
    if (!form.elements.salary.value || !(salary > 0) || !from || !to) { out.textContent = ""; return; }
    var pppFrom = Number(from.getAttribute("data-ppp")), pppTo = Number(to.getAttribute("data-ppp"));
    var equivalent = salary / pppFrom * pppTo;
    out.textContent = format(salary, from.getAttribute("data-currency")) + " in " + from.textContent.split(",")[0] +
      " buys about what " + format(equivalent, to.getAttribute("data-currency")) + " buys in " + to.textContent.split(",")[0] + ".";
  }

  form.addEventListener("input", update);
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
})();

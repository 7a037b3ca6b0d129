// The card form of the payment page with Stripe: Stripe's own Payment
// Element, so card details go from the browser to Stripe only. The server
// created the PaymentIntent (amount and currency from the database); this
// confirms exactly that one, and Stripe then sends the patient to the
// status page (return_url), which waits for Stripe's event to settle it.
(() => {
  const form = document.querySelector("[data-pay-stripe]");
  if (!form) return;
  const button = form.querySelector("button[type=submit]");
  const errorBox = form.querySelector("[data-pay-error]");
  if (typeof window.Stripe !== "function") {
    form.querySelector("[data-pay-unavailable]").hidden = false;
    return;
  }
  const options = form.dataset.account ? { stripeAccount: form.dataset.account } : {};
  const stripe = window.Stripe(form.dataset.key, options);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  const element = elements.create("payment");
  element.on("ready", () => {
    button.disabled = false;
  });
  element.mount("#payment-element");

  const busy = (on) => {
    button.disabled = on;
    if (on) button.setAttribute("aria-busy", "true");
    else button.removeAttribute("aria-busy");
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    busy(true);
    errorBox.hidden = true;
    const { error } = await stripe.confirmPayment({
      elements,
      confirmParams: { return_url: form.dataset.returnUrl },
    });
    // Reached only when the payment was not confirmed (otherwise Stripe redirects).
    errorBox.textContent = error.message || "";
    errorBox.hidden = !error.message;
    busy(false);
  });
})();

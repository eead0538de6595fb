/*
 * Kassa stripe-sim: a stand-in for https://js.stripe.com/v3 (test keys, and live keys with stripe-sim --live).
 *
 * The host page never sees card data: the card form lives in an iframe served by the simulator
 * (/v3/elements/payment) and the 3-D Secure challenge in another (/v3/challenge). This script talks
 * to them only by postMessage; they call the simulator's API with same-origin fetches.
 * The client secret travels only in postMessage payloads and request bodies/headers, never in a URL.
 */
(function () {
  'use strict';
  if (window.Stripe && window.Stripe.__kassaSim) return;

  var script = document.currentScript;
  if (!script || !script.src) {
    var found = document.querySelectorAll('script[src]');
    for (var s = 0; s < found.length; s++) if (/\/v3\/?(\?.*)?$/.test(found[s].src)) script = found[s];
  }
  var ORIGIN = new URL(script && script.src ? script.src : location.href).origin;
  var FORM_URL = ORIGIN + '/v3/elements/payment';
  var CHALLENGE_URL = ORIGIN + '/v3/challenge';
  var SECRET_RE = /^(pi_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/;
  var SUCCESS = { succeeded: 1, processing: 1, requires_capture: 1 };
  // Stripe.js's own words, so an integration that works here meets the same rule on js.stripe.com.
  var LIVE_NEEDS_HTTPS = 'Live Stripe.js integrations must use HTTPS. For more information: https://stripe.com/docs/security/guide#tls';
  var TEST_OVER_HTTP = 'You may test your Stripe.js integration over HTTP. However, live Stripe.js integrations must use HTTPS.';

  function IntegrationError(message) {
    var e = new Error(message);
    e.name = 'IntegrationError';
    return e;
  }
  function unsupported(name) {
    return function () {
      return Promise.resolve({ error: { type: 'invalid_request_error', message: 'stripe.' + name + ' is not supported by the Kassa simulator.' } });
    };
  }
  function checkSecret(secret, fn) {
    if (typeof secret !== 'string' || !SECRET_RE.test(secret)) {
      throw IntegrationError('Invalid value for ' + fn + ': clientSecret should be a client secret of the form ${id}_secret_${secret}.');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Frames: an iframe on the simulator's origin that we talk to by postMessage.
  // The frame says {type:'hello'} when its script runs; we queue messages until then.
  var frames = [];
  var rpcSeq = 0;

  function Frame(url, onEvent) {
    this.iframe = document.createElement('iframe');
    this.iframe.src = url;
    this.iframe.setAttribute('frameborder', '0');
    this.iframe.setAttribute('allowtransparency', 'true');
    this.iframe.setAttribute('scrolling', 'no');
    this.onEvent = onEvent || function () {};
    this.ready = false;
    this.queue = [];
    this.pending = {};
    frames.push(this);
  }
  Frame.prototype.post = function (msg) {
    if (!this.ready) return this.queue.push(msg);
    this.send(msg);
  };
  Frame.prototype.send = function (msg) {
    if (this.iframe.contentWindow) this.iframe.contentWindow.postMessage(Object.assign({}, msg, { type: 'kassa-sim:' + msg.type }), ORIGIN);
  };
  Frame.prototype.rpc = function (method, params) {
    var self = this;
    var id = 'rpc_' + ++rpcSeq;
    return new Promise(function (resolve) {
      self.pending[id] = resolve;
      self.post({ type: 'rpc', id: id, method: method, params: params || {} });
    });
  };
  Frame.prototype.receive = function (msg) {
    if (msg.type === 'hello') {
      this.ready = true;
      if (this.init) this.send(this.init());
      var q = this.queue.splice(0);
      for (var i = 0; i < q.length; i++) this.post(q[i]);
    } else if (msg.type === 'rpc-result' && this.pending[msg.id]) {
      var resolve = this.pending[msg.id];
      delete this.pending[msg.id];
      resolve(msg.result);
    } else {
      this.onEvent(msg);
    }
  };
  Frame.prototype.destroy = function () {
    var i = frames.indexOf(this);
    if (i >= 0) frames.splice(i, 1);
    if (this.iframe.parentNode) this.iframe.parentNode.removeChild(this.iframe);
    var ids = Object.keys(this.pending);
    for (var j = 0; j < ids.length; j++) {
      this.pending[ids[j]]({ error: { type: 'api_connection_error', message: 'The payment form was removed before the request finished.' } });
    }
    this.pending = {};
  };

  window.addEventListener('message', function (event) {
    if (event.origin !== ORIGIN || !event.data || typeof event.data !== 'object') return;
    if (typeof event.data.type !== 'string' || event.data.type.indexOf('kassa-sim:') !== 0) return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].iframe.contentWindow === event.source) {
        var msg = Object.assign({}, event.data, { type: event.data.type.slice(10) });
        return frames[i].receive(msg);
      }
    }
  });

  // A hidden frame for API calls that need no card form (retrieve, confirm with a saved method).
  var controller = null;
  function getController(pk) {
    if (controller && controller.iframe.isConnected) return controller;
    controller = new Frame(FORM_URL + '#controller');
    controller.init = function () { return { type: 'init', pk: pk, controller: true }; };
    controller.iframe.setAttribute('aria-hidden', 'true');
    controller.iframe.setAttribute('tabindex', '-1');
    controller.iframe.title = 'Kassa simulator controller frame';
    controller.iframe.style.cssText = 'display:none!important';
    (document.body || document.documentElement).appendChild(controller.iframe);
    return controller;
  }

  // ---------------------------------------------------------------------------------------------
  // 3-D Secure: a modal overlay holding /v3/challenge.
  function runChallenge(pk, clientSecret, paymentIntent) {
    return new Promise(function (resolve) {
      var overlay = document.createElement('div');
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      overlay.setAttribute('data-kassa-sim', 'challenge');
      overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;' +
        'justify-content:center;background:rgba(26,31,54,.55);';
      var frame = new Frame(CHALLENGE_URL, function (msg) {
        if (msg.type !== 'challenge-result') return;
        frame.destroy();
        overlay.remove();
        document.documentElement.style.overflow = prevOverflow;
        resolve(msg.result);
      });
      frame.init = function () {
        return {
          type: 'init', pk: pk, clientSecret: clientSecret,
          intent: { id: paymentIntent.id, amount: paymentIntent.amount, currency: paymentIntent.currency },
        };
      };
      frame.iframe.title = '3D Secure authentication';
      frame.iframe.name = 'kassa-sim-challenge';
      frame.iframe.style.cssText = 'width:min(420px,calc(100vw - 32px));height:min(460px,calc(100vh - 32px));border:0;' +
        'border-radius:10px;background:#fff;box-shadow:0 15px 35px rgba(50,50,93,.25),0 5px 15px rgba(0,0,0,.12);';
      overlay.appendChild(frame.iframe);
      var prevOverflow = document.documentElement.style.overflow;
      document.documentElement.style.overflow = 'hidden';
      (document.body || document.documentElement).appendChild(overlay);
      frame.iframe.focus();
    });
  }

  // Turns an API answer into what Stripe.js resolves: {paymentIntent} or {error}, running 3-D Secure if asked.
  function settle(pk, clientSecret, result, handleActions) {
    if (!result || result.error) return Promise.resolve({ error: result ? result.error : { type: 'api_connection_error', message: 'No answer from the simulator.' } });
    var pi = result.paymentIntent;
    if (pi.status === 'requires_action' && handleActions !== false) {
      var type = pi.next_action && pi.next_action.type;
      if (type !== 'use_stripe_sdk' && type !== 'redirect_to_url') {
        return Promise.resolve({ error: { type: 'invalid_request_error', message: 'Unsupported next_action ' + type + '.', payment_intent: pi } });
      }
      return runChallenge(pk, clientSecret, pi).then(function (r) { return settle(pk, clientSecret, r, false); });
    }
    if (pi.status === 'requires_payment_method' && pi.last_payment_error) {
      return Promise.resolve({ error: Object.assign({}, pi.last_payment_error, { payment_intent: pi }) });
    }
    return Promise.resolve({ paymentIntent: pi });
  }

  function redirectTo(returnUrl, pi) {
    var url = new URL(returnUrl, location.href);
    // Stripe also appends payment_intent_client_secret; the simulator never puts the secret in a URL.
    url.searchParams.set('payment_intent', pi.id);
    url.searchParams.set('redirect_status', SUCCESS[pi.status] ? 'succeeded' : 'failed');
    location.assign(url.toString());
    return new Promise(function () {}); // the page is going away
  }

  // ---------------------------------------------------------------------------------------------
  // Elements
  function Emitter() { this.handlers = {}; }
  Emitter.prototype.on = function (evt, fn) {
    if (typeof fn !== 'function') throw IntegrationError('A handler function is required for ' + evt + '.');
    (this.handlers[evt] = this.handlers[evt] || []).push(fn);
    return this;
  };
  Emitter.prototype.off = function (evt, fn) {
    if (!fn) delete this.handlers[evt];
    else if (this.handlers[evt]) this.handlers[evt] = this.handlers[evt].filter(function (h) { return h !== fn && h._orig !== fn; });
    return this;
  };
  Emitter.prototype.once = function (evt, fn) {
    var self = this;
    var wrapped = function (e) { self.off(evt, wrapped); fn(e); };
    wrapped._orig = fn;
    return this.on(evt, wrapped);
  };
  Emitter.prototype.emit = function (evt, payload) {
    var hs = (this.handlers[evt] || []).slice();
    for (var i = 0; i < hs.length; i++) {
      try { hs[i](payload); } catch (e) { setTimeout(function () { throw e; }); }
    }
  };

  var SUPPORTED = { payment: 1, card: 1 };

  function Element(group, type, options) {
    Emitter.call(this);
    this._group = group;
    this._type = type;
    this._options = options || {};
    this._frame = null;
    this._container = null;
    this._destroyed = false;
    this._complete = false;
  }
  Element.prototype = Object.create(Emitter.prototype);

  Element.prototype._assertAlive = function () {
    if (this._destroyed) throw IntegrationError('This Element has already been destroyed. Please create a new one.');
  };
  Element.prototype.mount = function (target) {
    this._assertAlive();
    var node = typeof target === 'string' ? document.querySelector(target) : target;
    if (!node || node.nodeType !== 1) throw IntegrationError('The selector you specified (' + target + ') applies to no DOM elements that are currently on the page.');
    if (this._frame) this.unmount();
    var self = this;
    var group = this._group;
    var frame = new Frame(FORM_URL, function (msg) { self._onFrameEvent(msg); });
    frame.init = function () {
      return {
        type: 'init', pk: group._stripe._pk, clientSecret: group._clientSecret || null,
        elementType: self._type, appearance: group._appearance, options: self._options,
      };
    };
    frame.iframe.title = 'Secure payment input frame';
    frame.iframe.name = '__privateKassaSimFrame' + rpcSeq++;
    frame.iframe.setAttribute('allow', 'payment *');
    // The form pads itself by 4px so focus rings are not clipped; the negative margin lines the inputs up with the host.
    frame.iframe.style.cssText = 'border:0!important;margin:-4px!important;padding:0!important;width:1px!important;' +
      'min-width:calc(100% + 8px)!important;overflow:hidden!important;display:block!important;user-select:none!important;' +
      'color-scheme:normal;height:' + (this._type === 'card' ? 44 : 240) + 'px;transition:height .15s ease;';
    var container = document.createElement('div');
    container.className = '__KassaSimElement';
    container.appendChild(frame.iframe);
    node.appendChild(container);
    this._frame = frame;
    this._container = container;
    this._mountNode = node;
    this._loadTimer = setTimeout(function () {
      if (!frame.ready) self.emit('loaderror', { elementType: self._type, error: { type: 'api_connection_error', message: 'The payment form did not load from ' + ORIGIN + '.' } });
    }, 15000);
    return this;
  };
  Element.prototype._onFrameEvent = function (msg) {
    var et = this._type;
    switch (msg.type) {
      case 'ready': clearTimeout(this._loadTimer); this.emit('ready', { elementType: et }); break;
      case 'loaderror': clearTimeout(this._loadTimer); this.emit('loaderror', { elementType: et, error: msg.error }); break;
      case 'height': if (this._frame && msg.height > 0) this._frame.iframe.style.height = Math.ceil(msg.height) + 'px'; break;
      case 'focus': case 'blur': case 'escape': this.emit(msg.type, { elementType: et }); break;
      case 'change':
        this._complete = !!msg.event.complete;
        this.emit('change', Object.assign({ elementType: et }, msg.event));
        break;
      case 'enter': {
        var form = this._mountNode && this._mountNode.closest && this._mountNode.closest('form');
        if (form) { if (form.requestSubmit) form.requestSubmit(); else form.submit(); }
        break;
      }
    }
  };
  Element.prototype.unmount = function () {
    this._assertAlive();
    clearTimeout(this._loadTimer);
    if (this._frame) this._frame.destroy();
    if (this._container && this._container.parentNode) this._container.parentNode.removeChild(this._container);
    this._frame = this._container = this._mountNode = null;
    return this;
  };
  Element.prototype.destroy = function () {
    if (this._destroyed) return this;
    this.unmount();
    this._destroyed = true;
    if (this._group._elements[this._type] === this) delete this._group._elements[this._type];
    this.handlers = {};
    return this;
  };
  Element.prototype.update = function (options) {
    this._assertAlive();
    this._options = Object.assign({}, this._options, options || {});
    if (this._frame) this._frame.post({ type: 'update', options: this._options });
    return this;
  };
  ['focus', 'blur', 'clear', 'collapse'].forEach(function (cmd) {
    Element.prototype[cmd] = function () {
      this._assertAlive();
      if (this._frame) {
        if (cmd === 'focus') this._frame.iframe.focus();
        this._frame.post({ type: cmd });
      }
      return this;
    };
  });
  Element.prototype._rpc = function (method, params) {
    if (!this._frame) return Promise.reject(IntegrationError('The ' + this._type + ' Element is not mounted.'));
    return this._frame.rpc(method, params);
  };

  function Elements(stripe, options) {
    options = options || {};
    this._stripe = stripe;
    this._clientSecret = options.clientSecret || null;
    if (this._clientSecret) checkSecret(this._clientSecret, 'stripe.elements()');
    this._appearance = options.appearance || {};
    this._options = options;
    this._elements = {};
  }
  Elements.prototype.create = function (type, options) {
    if (!SUPPORTED[type]) throw IntegrationError('The Kassa simulator supports only the "payment" and "card" Elements, not "' + type + '".');
    if (this._elements[type]) throw IntegrationError('Can only create one Element of type ' + type + '.');
    var el = new Element(this, type, options);
    this._elements[type] = el;
    return el;
  };
  Elements.prototype.getElement = function (type) {
    return this._elements[type] || null;
  };
  Elements.prototype.update = function (options) {
    options = options || {};
    if (options.appearance) this._appearance = options.appearance;
    this._options = Object.assign({}, this._options, options);
    var self = this;
    Object.keys(this._elements).forEach(function (k) {
      var f = self._elements[k]._frame;
      if (f) f.post({ type: 'appearance', appearance: self._appearance });
    });
  };
  Elements.prototype.fetchUpdates = function () { return Promise.resolve({}); };
  Elements.prototype.submit = function () {
    var el = this._elements.payment || this._elements.card;
    if (!el || !el._frame) return Promise.resolve({ error: { type: 'validation_error', message: 'No mounted payment Element to submit.' } });
    return el._rpc('validate').then(function (r) { return r && r.error ? { error: r.error } : {}; });
  };

  // ---------------------------------------------------------------------------------------------
  // The Stripe object
  function createStripe(pk, options) {
    if (typeof pk !== 'string' || !pk) throw IntegrationError('Please call Stripe() with your publishable key. You used an empty string.');
    if (/^sk_/.test(pk)) throw IntegrationError('You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
    // As Stripe.js: the host page's protocol, not this script's origin, decides. Any other protocol counts as
    // insecure (tauri:, http:), so a live key throws there and loadStripe rejects with this error.
    if (location.protocol !== 'https:') {
      if (/^pk_live_/.test(pk)) throw IntegrationError(LIVE_NEEDS_HTTPS);
      if (window.console) console.warn(TEST_OVER_HTTP);
    }
    var stripe = { _pk: pk, _options: options || {}, _apiKey: pk };

    stripe.elements = function (opts) { return new Elements(stripe, opts); };

    stripe.confirmPayment = function (opts) {
      opts = opts || {};
      var elements = opts.elements;
      var params = opts.confirmParams || {};
      var redirect = opts.redirect || 'always';
      var secret = opts.clientSecret || (elements && elements._clientSecret);
      try {
        checkSecret(secret, 'stripe.confirmPayment()');
        if (redirect === 'always' && !params.return_url) throw IntegrationError('stripe.confirmPayment(): the `confirmParams.return_url` argument is required unless passing `redirect: \'if_required\'`.');
      } catch (e) { return Promise.reject(e); }
      var request;
      var body = confirmBody(params);
      if (typeof params.payment_method === 'string') {
        request = getController(pk).rpc('confirm', { clientSecret: secret, body: body, paymentMethod: params.payment_method });
      } else {
        var el = elements && (elements.getElement('payment') || elements.getElement('card'));
        if (!el || !el._frame) return Promise.reject(IntegrationError('stripe.confirmPayment(): the Payment Element must be mounted before confirming.'));
        request = el._rpc('confirm', { clientSecret: secret, body: body, useCard: true });
      }
      return request.then(function (r) { return settle(pk, secret, r, true); }).then(function (res) {
        if (res.paymentIntent && redirect === 'always' && SUCCESS[res.paymentIntent.status]) return redirectTo(params.return_url, res.paymentIntent);
        return res;
      });
    };

    stripe.confirmCardPayment = function (secret, data, options) {
      try { checkSecret(secret, 'stripe.confirmCardPayment()'); } catch (e) { return Promise.reject(e); }
      data = data || {};
      var pm = data.payment_method;
      var body = confirmBody({ return_url: data.return_url, receipt_email: data.receipt_email, shipping: data.shipping, setup_future_usage: data.setup_future_usage,
        payment_method_data: pm && typeof pm === 'object' ? { billing_details: pm.billing_details } : undefined });
      var request;
      if (pm && typeof pm === 'object' && pm.card instanceof Element) {
        request = pm.card._rpc('confirm', { clientSecret: secret, body: body, useCard: true });
      } else if (pm && typeof pm === 'object') {
        return Promise.reject(IntegrationError('stripe.confirmCardPayment(): payment_method.card must be a mounted Element.'));
      } else {
        request = getController(pk).rpc('confirm', { clientSecret: secret, body: body, paymentMethod: typeof pm === 'string' ? pm : null });
      }
      return request.then(function (r) { return settle(pk, secret, r, !options || options.handleActions !== false); });
    };

    stripe.retrievePaymentIntent = function (secret) {
      try { checkSecret(secret, 'stripe.retrievePaymentIntent()'); } catch (e) { return Promise.reject(e); }
      return getController(pk).rpc('retrieve', { clientSecret: secret }).then(function (r) {
        return r.error ? { error: r.error } : { paymentIntent: r.paymentIntent };
      });
    };

    stripe.handleNextAction = function (opts) {
      var secret = opts && opts.clientSecret;
      try { checkSecret(secret, 'stripe.handleNextAction()'); } catch (e) { return Promise.reject(e); }
      return getController(pk).rpc('retrieve', { clientSecret: secret }).then(function (r) { return settle(pk, secret, r, true); });
    };
    stripe.handleCardAction = function (secret) { return stripe.handleNextAction({ clientSecret: secret }); };

    ['createToken', 'createPaymentMethod', 'createSource', 'createConfirmationToken', 'confirmSetup', 'confirmCardSetup',
      'retrieveSetupIntent', 'retrieveSource', 'verifyMicrodepositsForPayment'].forEach(function (name) {
      stripe[name] = unsupported(name);
    });
    stripe.paymentRequest = function () { throw IntegrationError('stripe.paymentRequest is not supported by the Kassa simulator.'); };
    stripe._registerWrapper = function () {};
    stripe.registerAppInfo = function () {};
    return stripe;
  }

  // confirmParams → a nested object the frame form-encodes (card fields are added inside the frame).
  function confirmBody(p) {
    var body = {};
    ['return_url', 'receipt_email', 'shipping', 'setup_future_usage'].forEach(function (k) {
      if (p[k] !== undefined && p[k] !== null) body[k] = p[k];
    });
    var bd = p.payment_method_data && p.payment_method_data.billing_details;
    if (bd) body.payment_method_data = { billing_details: bd };
    return body;
  }

  function Stripe(pk, options) { return createStripe(pk, options); }
  Stripe.version = 'endive';
  Stripe.__kassaSim = true;
  window.Stripe = Stripe;
})();

/* m365-replay simulator: the converged sign-in pages, built by script from $Config after a short
   delay, as login.microsoftonline.com builds them (knockout there, plain DOM here). Ids, names and
   PageIDs follow the real pages; only the text is localized. */
(function () {
  "use strict";
  var C = window.$Config || {};
  var S = C.str || {};

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function $(id) { return document.getElementById(id); }
  function show(id, on) { var e = $(id); if (e) { e.style.display = on ? "" : "none"; } }
  function hidden(name, value) {
    return '<input type="hidden" name="' + name + '" value="' + esc(value) + '">';
  }
  function commonHidden() {
    return hidden("ctx", C.sCtx) + hidden("flowToken", C.sFT) + hidden("canary", C.canary) +
      hidden("hpgrequestid", C.sessionId) + hidden("i19", "");
  }
  function frame(inner) {
    return '<div class="outer"><div class="middle"><div class="inner fade-in-lightbox" id="lightbox">' +
      '<div class="logo" role="banner"><img class="logo" alt="Microsoft" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="> Microsoft</div>' +
      inner + '</div></div></div>';
  }
  function postJSON(url, body, cb) {
    var x = new XMLHttpRequest();
    x.open("POST", url, true);
    x.setRequestHeader("Content-Type", "application/json; charset=UTF-8");
    x.onreadystatechange = function () {
      if (x.readyState !== 4) { return; }
      var data = null;
      try { data = JSON.parse(x.responseText); } catch (e) { data = null; }
      cb(x.status, data);
    };
    x.send(JSON.stringify(body));
  }

  /* the primary button: id="idSIButton9", or (Simulator primary_button="name_only") only
     name="idSIButton9", as some 2026 pages render it */
  function primaryHtml(value) {
    var id = C.simPrimaryButton === "name_only" ? "" : ' id="idSIButton9"';
    var name = C.simPrimaryButton === "name_only" ? ' name="idSIButton9"' : "";
    return '<input type="submit"' + id + name + ' class="win-button button_primary button ext-button primary ext-primary" value="' + esc(value) + '">';
  }
  function primary() { return document.querySelector('#idSIButton9, [name="idSIButton9"]'); }

  /* ---------------- ConvergedSignIn: username, chooser, credential picker, passwordless, passkey, password ---------------- */
  function signIn() {
    var html = frame(
      '<form name="f1" id="i0281" novalidate="novalidate" spellcheck="false" method="post" target="_top" autocomplete="off" action="' + esc(C.urlPost) + '">' +
      '<div id="loginHeader" class="row title ext-title" role="heading" aria-level="1"><div>' + esc(S.signin) + '</div></div>' +
      '<div id="displayName" class="identity" style="display:none"></div>' +
      '<div id="usernameError" class="error ext-error" role="alert" aria-live="assertive" style="display:none"></div>' +
      '<div id="usernameField" class="form-group"><input type="email" name="loginfmt" id="i0116" maxlength="113" lang="' + esc(C.lang) + '" class="form-control ltr_override input ext-input text-box ext-text-box" aria-required="true" aria-label="' + esc(S.username_placeholder) + '" placeholder="' + esc(S.username_placeholder) + '" autocomplete="username"></div>' +
      '<div id="chooser" role="list" style="display:none"><div class="row text-title">' + esc(S.chooser_title) + '</div>' +
      '<div id="aadTile" class="table" role="listitem" tabindex="0"><div class="table-cell">' + esc(S.work_account) + '<small>' + esc(S.work_desc) + '</small></div></div>' +
      '<div id="msaTile" class="table" role="listitem" tabindex="0"><div class="table-cell">' + esc(S.personal_account) + '<small>' + esc(S.personal_desc) + '</small></div></div></div>' +
      '<div id="credPickerView" style="display:none"><div id="credentialList" role="list"></div></div>' +
      '<div id="remoteNgcView" style="display:none">' +
      '<div id="idRemoteNGC_DisplaySign" class="displaySign"></div>' +
      '<div id="idDiv_RemoteNGC_PollingDescription" class="row text-body"></div>' +
      '<div id="remoteNgcPassword" class="row"><a id="idA_PWD_SwitchToPassword" href="#">' + esc(S.ngc_use_password) + '</a></div></div>' +
      '<div id="fidoView" style="display:none"><div id="fidoDescription" class="row text-body"></div>' +
      '<div id="fidoError" class="error" role="alert" style="display:none">' + esc(S.passkey_failed) + '</div></div>' +
      '<div id="passwordError" class="error ext-error" role="alert" aria-live="assertive" style="display:none"></div>' +
      '<input name="passwd" type="password" id="i0118" autocomplete="off" class="form-control input ext-input text-box ext-text-box moveOffScreen" aria-required="true" tabindex="-1" aria-hidden="true" placeholder="' + esc(S.password_placeholder) + '" aria-label="' + esc(S.password_placeholder) + '">' +
      '<div id="forgotPassword" style="display:none"><a id="idA_PWD_ForgotPassword" href="#">' + esc(S.forgot) + '</a></div>' +
      /* one link to the credential picker: "Other ways to sign in" under the password, "Sign in another way"
         after a refused passkey prompt (the id of the latter on the real page is not known) */
      '<div id="otherWays" style="display:none"><a id="idA_PWD_SwitchToCredPicker" href="#"></a></div>' +
      hidden("login", "") + hidden("type", "11") + hidden("LoginOptions", "3") + hidden("ps", "") + hidden("psRNGCSLK", "") + commonHidden() +
      '<div class="row buttons"><input type="button" id="idBtn_Back" class="win-button button-secondary button ext-button secondary ext-secondary" value="' + esc(S.back) + '" style="display:none">' +
      primaryHtml(S.next) + '</div>' +
      '</form>');
    $("lightbox-root").innerHTML = html;
    var form = $("i0281"), user = $("i0116"), pwd = $("i0118"), next = primary();
    var view = "username", username = "", creds = {}, polling = null;

    function setError(id, text) {
      $(id).textContent = text || "";
      show(id, !!text);
      var input = id === "usernameError" ? user : pwd;
      if (text) { input.className += " has-error"; } else { input.className = input.className.replace(/ has-error/g, ""); }
    }
    function sections(visible) {
      ["usernameField", "chooser", "credPickerView", "remoteNgcView", "fidoView", "forgotPassword", "otherWays"].forEach(
        function (id) { show(id, visible.indexOf(id) >= 0); });
    }
    function offScreen(on) {
      pwd.className = pwd.className.replace(/ moveOffScreen/g, "") + (on ? " moveOffScreen" : "");
      if (on) { pwd.setAttribute("aria-hidden", "true"); pwd.setAttribute("tabindex", "-1"); }
      else { pwd.removeAttribute("aria-hidden"); pwd.removeAttribute("tabindex"); }
    }
    function stopPolling() { if (polling) { clearInterval(polling); polling = null; } }
    function identity(title) {
      stopPolling();
      $("loginHeader").firstChild.textContent = title;
      $("displayName").textContent = username;
      show("displayName", true);
      show("usernameError", false);
    }
    function buttons(nextValue, back) {
      if (nextValue) { next.value = nextValue; next.style.display = ""; } else { next.style.display = "none"; }
      show("idBtn_Back", back);
    }
    function usernameView() {
      view = "username";
      stopPolling();
      $("loginHeader").firstChild.textContent = S.signin;
      show("displayName", false);
      sections(["usernameField"]);
      offScreen(true);
      buttons(S.next, false);
      user.focus();
    }
    function passwordView(name) {
      view = "password";
      username = name;
      identity(S.enter_password);
      var visible = ["forgotPassword"];
      if (creds.RemoteNgcParams || creds.FidoParams) {
        $("idA_PWD_SwitchToCredPicker").textContent = S.cred_other_ways;
        visible.push("otherWays");
      }
      sections(visible);
      offScreen(false);
      buttons(S.signin, false);
      pwd.focus();
    }
    function chooserView() {
      view = "chooser";
      sections(["chooser"]);
      buttons(null, false);
    }
    /* "Choose a way to sign in": data-test-cred-id 1 password, 2 Authenticator passwordless, 7 passkey */
    function pickerView() {
      view = "picker";
      identity(S.cred_picker_title);
      var tiles = [];
      if (creds.HasPassword) { tiles.push(["1", S.cred_password]); }
      if (creds.RemoteNgcParams) { tiles.push(["2", S.cred_passwordless]); }
      if (creds.FidoParams) { tiles.push(["7", S.cred_passkey]); }
      $("credentialList").innerHTML = tiles.map(function (t) {
        return '<div class="tile" role="button" tabindex="0" data-test-cred-id="' + t[0] + '" aria-label="' + esc(t[1]) + '">' + esc(t[1]) + '</div>';
      }).join("");
      Array.prototype.forEach.call($("credentialList").querySelectorAll("[data-test-cred-id]"), function (tile) {
        tile.addEventListener("click", function () {
          var id = tile.getAttribute("data-test-cred-id");
          if (id === "1") { passwordView(username); } else if (id === "2") { remoteNgcView(); } else { fidoView(); }
        });
      });
      sections(["credPickerView"]);
      offScreen(true);
      buttons(null, true);
    }
    /* Microsoft Authenticator passwordless: show the number, poll until the phone answers */
    function remoteNgcView() {
      view = "remoteNgc";
      identity(S.tfa_approve_title);
      var p = creds.RemoteNgcParams;
      $("idRemoteNGC_DisplaySign").textContent = String(p.Entropy);
      $("idDiv_RemoteNGC_PollingDescription").textContent = S.tfa_approve_desc;
      sections(["remoteNgcView"]);
      show("remoteNgcPassword", !!creds.HasPassword);
      offScreen(true);
      buttons(null, false);
      function tick() {
        postJSON(C.urlSessionState, { SessionId: p.SessionIdentifier, FlowToken: C.sFT }, function (status, res) {
          if (!res || view !== "remoteNgc") { return; }
          if (res.AuthorizationState === 1) {
            stopPolling();
            form.elements.login.value = username;
            form.elements.ps.value = "2";
            form.elements.psRNGCSLK.value = p.SessionIdentifier;
            form.submit();
          } else if (res.AuthorizationState >= 2) {
            stopPolling();
            $("idDiv_RemoteNGC_PollingDescription").textContent = res.AuthorizationState === 2 ? S.tfa_denied : S.tfa_timeout;
          }
        });
      }
      tick();
      polling = setInterval(tick, C.iPollingInterval || 1000);
    }
    /* a passkey: WebAuthn at once; the browser's own dialog takes over until it is answered or refused */
    function fidoView() {
      view = "fido";
      identity(S.passkey_title);
      $("fidoDescription").textContent = S.passkey_waiting;
      show("fidoError", false);
      sections(["fidoView"]);
      offScreen(true);
      buttons(null, false);
      function report(result, message) {
        postJSON(C.urlFidoResult, { username: username, result: result, message: message || "" }, function () {});
      }
      function refused(err) {
        report(err && err.name, err && err.message);
        if (view !== "fido") { return; }
        $("fidoDescription").textContent = "";
        show("fidoError", true);
        $("idA_PWD_SwitchToCredPicker").textContent = S.another_way;
        show("otherWays", true);
      }
      try {
        var challenge = new Uint8Array(32);
        window.crypto.getRandomValues(challenge);
        navigator.credentials.get({ publicKey: { challenge: challenge, timeout: 120000, userVerification: "required",
                                                 allowCredentials: [] } })
          .then(function () {  /* a simulated account has no passkey a browser could hold */
            refused({ name: "InvalidStateError", message: "unknown passkey" });
          }, refused);
      } catch (e) { refused(e); }
    }
    function toPersonal(name) {
      window.location.href = (C.urlMsaSignIn || "https://login.live.com/login.srf") + "?username=" + encodeURIComponent(name);
    }

    $("aadTile").addEventListener("click", function () { passwordView(user.value.trim()); });
    $("msaTile").addEventListener("click", function () { toPersonal(user.value.trim()); });
    $("idA_PWD_SwitchToCredPicker").addEventListener("click", function (ev) { ev.preventDefault(); pickerView(); });
    $("idA_PWD_SwitchToPassword").addEventListener("click", function (ev) { ev.preventDefault(); passwordView(username); });
    $("idBtn_Back").addEventListener("click", function () { if (view === "picker") { usernameView(); } });

    form.addEventListener("submit", function (ev) {
      if (view === "username") {
        ev.preventDefault();
        var name = user.value.trim();
        if (!name) { setError("usernameError", S.err_username_empty); return; }
        next.disabled = true;
        postJSON(C.urlGetCredentialType, {
          username: name, isOtherIdpSupported: true, checkPhones: false, isRemoteNGCSupported: true,
          isCookieBannerShown: false, isFidoSupported: true, originalRequest: C.sCtx, flowToken: C.sFT
        }, function (status, res) {
          next.disabled = false;
          if (status !== 200 || !res) { setError("usernameError", S.err_username_unknown); return; }
          if (res.Credentials && res.Credentials.FederationRedirectUrl) {
            window.location.href = res.Credentials.FederationRedirectUrl;
            return;
          }
          if (res.IfExistsResult === 1) { setError("usernameError", S.err_username_unknown); return; }
          setError("usernameError", "");
          if (res.IfExistsResult === 6) { chooserView(); return; }
          if (res.IfExistsResult === 5) { toPersonal(name); return; }
          creds = res.Credentials || {};
          username = name;
          var pref = creds.PrefCredential;
          if (pref === 2 && creds.RemoteNgcParams) { remoteNgcView(); }
          else if (pref === 7 && creds.FidoParams) { fidoView(); }
          else if (pref === 1 || !(creds.RemoteNgcParams || creds.FidoParams)) { passwordView(name); }
          else { pickerView(); }
        });
        return;
      }
      if (view === "password") {
        if (!pwd.value) { ev.preventDefault(); setError("passwordError", S.err_password_empty); return; }
        form.elements.login.value = username || user.value.trim();
        next.disabled = true;
        return; /* a real full-page POST to urlPost */
      }
      ev.preventDefault();
    });

    if (C.sPOST_Username) { user.value = C.sPOST_Username; }
    if (C.sErrorCode === "50126") { passwordView(C.sPOST_Username); setError("passwordError", S.err_password_wrong); }
    else if (C.sErrorCode === "50053") { passwordView(C.sPOST_Username); setError("passwordError", S.err_locked); }
    else if (C.sErrorCode === "50034") { setError("usernameError", S.err_username_unknown); user.focus(); }
    else if (C.sPOST_Username && C.fShowPassword) { passwordView(C.sPOST_Username); }
    else { user.focus(); }
  }

  /* ---------------- KmsiInterrupt ---------------- */
  function kmsi() {
    $("lightbox-root").innerHTML = frame(
      '<form name="f1" id="i0281" method="post" target="_top" action="' + esc(C.urlPost) + '">' +
      '<div id="displayName" class="identity">' + esc(C.sPOST_Username) + '</div>' +
      '<div class="row title" role="heading" aria-level="1">' + esc(S.kmsi_title) + '</div>' +
      '<div id="KmsiDescription" class="row text-body">' + esc(S.kmsi_desc) + '</div>' +
      '<div class="row checkbox"><label><input type="checkbox" name="DontShowAgain" id="KmsiCheckboxField"><span>' + esc(S.kmsi_dont_show) + '</span></label></div>' +
      hidden("LoginOptions", "3") + hidden("type", "28") + commonHidden() +
      '<div class="row buttons"><input type="button" id="idBtn_Back" class="win-button button-secondary button ext-button secondary" value="' + esc(S.no) + '">' +
      primaryHtml(S.yes) + '</div></form>');
    var form = $("i0281");
    primary().addEventListener("click", function () { form.elements.LoginOptions.value = "1"; });
    $("idBtn_Back").addEventListener("click", function () { form.elements.LoginOptions.value = "3"; form.submit(); });
  }

  /* ---------------- ConvergedTFA: push with number match, proofs list, code ---------------- */
  function tfa() {
    $("lightbox-root").innerHTML = frame(
      '<div id="displayName" class="identity">' + esc(C.sPOST_Username) + '</div>' +
      '<div id="pushView" style="display:none">' +
      '<div id="idDiv_SAOTCAS_Title" class="row title" role="heading" aria-level="1">' + esc(S.tfa_approve_title) + '</div>' +
      '<div id="idRichContext_DisplaySign" class="displaySign">' + esc(C.iDisplaySign) + '</div>' +
      '<div id="idDiv_SAOTCAS_Description" class="row text-body">' + esc(S.tfa_approve_desc) + '</div>' +
      '<div><a id="signInAnotherWay" href="#">' + esc(S.tfa_cant_use) + '</a></div></div>' +
      '<div id="deniedView" style="display:none"><div id="idDiv_SAASDS_Description" class="row text-body error">' + esc(S.tfa_denied) + '</div></div>' +
      '<div id="timeoutView" style="display:none"><div id="idDiv_SAASTO_Description" class="row text-body error">' + esc(S.tfa_timeout) + '</div></div>' +
      '<div id="proofsView" style="display:none"><div id="idDiv_SAOTCS_Title" class="row title" role="heading" aria-level="1">' + esc(S.tfa_verify_identity) + '</div>' +
      '<div id="idDiv_SAOTCS_Proofs" role="list">' +
      '<div class="tile" role="button" tabindex="0" data-value="PhoneAppNotification">' + esc(S.tfa_method_push) + '</div>' +
      '<div class="tile" role="button" tabindex="0" data-value="PhoneAppOTP">' + esc(S.tfa_method_otp) + '</div></div></div>' +
      '<form name="f1" id="idOtcForm" novalidate="novalidate" style="display:none">' +
      '<div id="idDiv_SAOTCC_Title" class="row title" role="heading" aria-level="1">' + esc(S.tfa_enter_code) + '</div>' +
      '<div id="idDiv_SAOTCC_Description" class="row text-body">' + esc(S.tfa_code_desc) + '</div>' +
      '<span id="idSpan_SAOTCC_Error_OTC" class="error" role="alert" style="display:none"></span>' +
      '<input type="tel" name="otc" id="idTxtBx_SAOTCC_OTC" autocomplete="off" maxlength="8" class="form-control input ext-input text-box ext-text-box" placeholder="' + esc(S.tfa_code_placeholder) + '" aria-label="' + esc(S.tfa_code_placeholder) + '">' +
      '<div class="row checkbox"><label><input type="checkbox" id="idChkBx_SAOTCC_TD" name="rememberMFA"><span>' + esc(S.tfa_dont_ask) + '</span></label></div>' +
      '<input type="submit" id="idSubmit_SAOTCC_Continue" class="win-button button_primary button ext-button primary" value="' + esc(S.tfa_verify) + '"></form>' +
      '<form name="fProcess" id="idProcessForm" method="post" target="_top" action="' + esc(C.urlPost) + '">' +
      hidden("request", C.sCtx) + hidden("mfaAuthMethod", "") + hidden("type", "22") + commonHidden() + '</form>');

    var polling = null;
    function only(id) {
      ["pushView", "deniedView", "timeoutView", "proofsView", "idOtcForm"].forEach(function (v) { show(v, v === id); });
    }
    function finish(method) {
      var f = $("idProcessForm");
      f.elements.mfaAuthMethod.value = method;
      f.submit();
    }
    function poll() {
      postJSON(C.urlEndAuth, { AuthMethodId: "PhoneAppNotification", Method: "EndAuth", FlowToken: C.sFT, Ctx: C.sCtx },
        function (status, res) {
          if (!res) { return; }
          if (res.ResultValue === "Success") { clearInterval(polling); finish("PhoneAppNotification"); }
          else if (res.ResultValue === "PhoneAppDenied") { clearInterval(polling); only("deniedView"); }
          else if (res.ResultValue === "PhoneAppNoResponse") { clearInterval(polling); only("timeoutView"); }
        });
    }
    function pushView() {
      only("pushView");
      if (!polling) { polling = setInterval(poll, C.iPollingInterval || 1000); }
    }
    function otcView() {
      if (polling) { clearInterval(polling); polling = null; }
      only("idOtcForm");
      $("idTxtBx_SAOTCC_OTC").focus();
    }
    $("signInAnotherWay").addEventListener("click", function (ev) {
      ev.preventDefault();
      if (polling) { clearInterval(polling); polling = null; }
      only("proofsView");
    });
    Array.prototype.forEach.call(document.querySelectorAll("#idDiv_SAOTCS_Proofs [data-value]"), function (tile) {
      tile.addEventListener("click", function () {
        if (tile.getAttribute("data-value") === "PhoneAppOTP") { otcView(); } else { pushView(); }
      });
    });
    $("idOtcForm").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var box = $("idTxtBx_SAOTCC_OTC");
      postJSON(C.urlEndAuth, { AuthMethodId: "PhoneAppOTP", Method: "EndAuth", AdditionalAuthData: box.value, FlowToken: C.sFT, Ctx: C.sCtx },
        function (status, res) {
          box.value = "";
          if (res && res.Success) { finish("PhoneAppOTP"); return; }
          $("idSpan_SAOTCC_Error_OTC").textContent = S.tfa_code_wrong;
          show("idSpan_SAOTCC_Error_OTC", true);
        });
    });
    if (C.sDefaultMethod === "PhoneAppOTP") { otcView(); } else { pushView(); }
  }

  /* ---------------- ConvergedProofUpRedirect ---------------- */
  function proofUp() {
    $("lightbox-root").innerHTML = frame(
      '<form name="f1" id="i0281" method="post" target="_top" action="' + esc(C.urlPost) + '">' +
      '<div id="displayName" class="identity">' + esc(C.sPOST_Username) + '</div>' +
      '<div id="idDiv_ProofUp_Title" class="row title" role="heading" aria-level="1">' + esc(S.proofup_title) + '</div>' +
      '<div id="ProofUpDescription" class="row text-body">' + esc(S.proofup_desc) + '</div>' +
      (C.urlSkipMfaRegistration ? '<div class="row"><a id="btnAskLater" href="' + esc(C.urlSkipMfaRegistration) + '">' + esc(S.ask_later) + '</a></div>' : "") +
      commonHidden() +
      '<div class="row buttons"><input type="submit" id="idSubmit_ProofUp_Redirect" class="win-button button_primary button ext-button primary" value="' + esc(S.next) + '"></div></form>');
  }

  /* ---------------- ConvergedChangePassword ---------------- */
  function changePassword() {
    $("lightbox-root").innerHTML = frame(
      '<form name="f1" id="i0281" method="post" target="_top" action="' + esc(C.urlPost) + '">' +
      '<div id="displayName" class="identity">' + esc(C.sPOST_Username) + '</div>' +
      '<div id="ChangePasswordTitle" class="row title" role="heading" aria-level="1">' + esc(S.expired_title) + '</div>' +
      '<div id="ChangePasswordDescription" class="row text-body">' + esc(S.expired_desc) + '</div>' +
      '<input type="password" id="currentPassword" name="oldPassword" placeholder="' + esc(S.current_password) + '" class="form-control">' +
      '<input type="password" id="newPassword" name="newPassword" placeholder="' + esc(S.new_password) + '" class="form-control">' +
      '<input type="password" id="confirmNewPassword" name="confirmNewPassword" placeholder="' + esc(S.confirm_password) + '" class="form-control">' +
      commonHidden() +
      '<div class="row buttons">' + primaryHtml(S.signin) + '</div></form>');
  }

  /* ---------------- AADSTS399218 "user confirmation is required to sign in to this tenant" (2026) ----------------
     Assumed: no public capture of the page; its PageID (ConvergedUserConfirmation) and layout are this
     simulator's, the code (sErrorCode 399218) and the meaning are the public facts. */
  function userConfirmation() {
    $("lightbox-root").innerHTML = frame(
      '<form name="f1" id="i0281" method="post" target="_top" action="' + esc(C.urlPost) + '">' +
      '<div id="displayName" class="identity">' + esc(C.sPOST_Username) + '</div>' +
      '<div class="row title" role="heading" aria-level="1">' + esc(S.confirm_title) + '</div>' +
      '<div id="userConfirmationDescription" class="row text-body">' + esc(S.confirm_desc) + '</div>' +
      commonHidden() +
      '<div class="row buttons"><input type="button" id="idBtn_Back" class="win-button button-secondary button ext-button secondary" value="' + esc(S.cancel) + '">' +
      primaryHtml(S["continue"]) + '</div></form>');
  }

  /* ---------------- ConvergedError ---------------- */
  function errorPage() {
    $("lightbox-root").innerHTML = frame(
      '<div class="row title" role="heading" aria-level="1">' + esc(S.error_title) + '</div>' +
      '<div id="service_exception_message" class="row text-body" role="alert">' + esc(C.strServiceExceptionMessage) + '</div>' +
      '<div id="idTroubleshootingDetails"><div class="row text-title">' + esc(S.troubleshooting) + '</div>' +
      '<div id="debugDetailsText">Request Id: ' + esc(C.sRequestId) + '<br>Correlation Id: ' + esc(C.correlationId) + '<br>Timestamp: ' + esc(C.sTimestamp) + '</div></div>');
  }

  /* ---------------- the passkey registration campaign after the password and MFA (2026-09) ----------------
     Assumed: no public capture has its PageID, ids or wording. Modelled on the converged interrupt pages
     and the registration campaign's documented choices: set it up ("Next", to the security info
     registration) or snooze it ("Not now", a link) while the campaign allows (fCampaignSnoozable); enforced
     after the allowed snoozes, or blocking, it offers no way out. The ids are this simulator's own. */
  function passkeyCampaign() {
    var snooze = C.fCampaignSnoozable
      ? '<div class="row"><a href="#" id="simCampaignSnooze">' + esc(S.not_now) + '</a></div>' +
        (C.iRemainingSnoozes == null ? "" : '<div class="row text-body">' +
          esc(S.campaign_snoozes_left.replace("{n}", C.iRemainingSnoozes)) + '</div>')
      : '<div class="row text-body">' + esc(S.campaign_required) + '</div>';
    $("lightbox-root").innerHTML = frame(
      '<form name="f1" id="i0281" method="post" target="_top" action="' + esc(C.urlPost) + '">' +
      '<div id="displayName" class="identity">' + esc(C.sPOST_Username) + '</div>' +
      '<div class="row title" role="heading" aria-level="1">' + esc(S.campaign_title) + '</div>' +
      '<div class="row text-body">' + esc(S.campaign_desc) + '</div>' +
      '<input type="hidden" name="campaignAction" id="simCampaignAction" value="set_up">' + commonHidden() +
      snooze + '<div class="row buttons">' + primaryHtml(S.next) + '</div></form>');
    var link = $("simCampaignSnooze");
    if (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        $("simCampaignAction").value = "snooze";
        $("i0281").submit();
      });
    }
  }

  /* ---------------- terms of use: a page no row knows (the simulator's own, assumed) ----------------
     A tenant's terms of use before the app, modelled on the converged pages (PageID, $Config, a secondary
     and a primary button); its PageID and data-report-event names are this simulator's own. Accept goes on;
     Decline does nothing here. The tests use it as "the page nobody knows". */
  function termsOfUse() {
    $("lightbox-root").innerHTML = frame(
      '<form name="f1" id="i0281" method="post" target="_top" action="' + esc(C.urlPost) + '">' +
      '<div id="displayName" class="identity">' + esc(C.sPOST_Username) + '</div>' +
      '<div class="row title" role="heading" aria-level="1">' + esc(S.terms_title) + '</div>' +
      '<div class="row text-body">' + esc(S.terms_desc) + '</div>' + commonHidden() +
      '<div class="row buttons"><input type="button" id="idBtn_Back" data-report-event="TermsOfUse_Decline" ' +
      'class="win-button button-secondary button ext-button secondary" value="' + esc(S.decline) + '">' +
      primaryHtml(S.accept).replace('<input ', '<input data-report-event="TermsOfUse_Accept" ') + '</div></form>');
  }

  /* ---------------- a converged page this simulator cannot draw ---------------- */
  function unknownPage() {
    $("lightbox-root").innerHTML = frame('<div class="row title" role="heading" aria-level="1">' +
      esc(S.error_title) + '</div><div class="row text-body">' + esc(C.pgid) + '</div>');
  }

  var pages = {
    ConvergedSignIn: signIn, KmsiInterrupt: kmsi, ConvergedTFA: tfa,
    ConvergedProofUpRedirect: proofUp, ConvergedChangePassword: changePassword, ConvergedError: errorPage,
    ConvergedUserConfirmation: userConfirmation, ConvergedPasskeyCampaign: passkeyCampaign,
    ConvergedTermsOfUse: termsOfUse
  };
  window.setTimeout(function () { (pages[C.pgid] || unknownPage)(); }, C.iRenderDelay == null ? 300 : C.iRenderDelay);
})();

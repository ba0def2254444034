"""Localized text of the simulated pages (English, Turkish, German).

The simulator translates what the real pages translate (headings, buttons, errors) and keeps
brand names as they are, so a flow that leans on English wording fails here as it would on a
Turkish tenant.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Sign in to your account",
        "signin": "Sign in",
        "username_placeholder": "Email, phone, or Skype",
        "next": "Next",
        "back": "Back",
        "enter_password": "Enter password",
        "password_placeholder": "Password",
        "forgot": "Forgot my password",
        "err_username_empty": "Enter a valid email address, phone number, or Skype name.",
        "err_username_unknown": "This username may be incorrect. Make sure you typed it correctly. "
        "Otherwise, contact your admin.",
        "err_password_empty": "Please enter your password.",
        "err_password_wrong": "Your account or password is incorrect. If you don't remember your password, "
        "reset it now.",
        "err_locked": "Your account is temporarily locked to prevent unauthorized use. Try again later, "
        "and if you still have trouble, contact your admin.",
        "kmsi_title": "Stay signed in?",
        "kmsi_desc": "Stay signed in so you don't have to sign in again next time.",
        "kmsi_dont_show": "Don't show this again",
        "yes": "Yes",
        "no": "No",
        "working": "Working...",
        "chooser_title": "It looks like this email is used with more than one account from Microsoft. "
        "Which one do you want to use?",
        "work_account": "Work or school account",
        "work_desc": "Created by your IT department",
        "personal_account": "Personal account",
        "personal_desc": "Created by you",
        "tfa_approve_title": "Approve sign in request",
        "tfa_approve_desc": "Open your Authenticator app, and enter the number shown to sign in.",
        "tfa_cant_use": "I can't use my Microsoft Authenticator app right now",
        "tfa_denied": "We didn't sign you in. You denied the request in the Authenticator app.",
        "tfa_timeout": "We didn't hear from you. We sent a notification to your Authenticator app, "
        "but you didn't respond in time.",
        "tfa_verify_identity": "Verify your identity",
        "tfa_method_push": "Approve a request on my Microsoft Authenticator app",
        "tfa_method_otp": "Use a verification code",
        "tfa_enter_code": "Enter code",
        "tfa_code_desc": "Enter the code displayed in the authenticator app on your mobile device",
        "tfa_code_placeholder": "Code",
        "tfa_dont_ask": "Don't ask again for 90 days",
        "tfa_verify": "Verify",
        "tfa_code_wrong": "You didn't enter the expected verification code. Please try again.",
        # 2026 sign-in: credential picker, passwordless Authenticator, passkey, user confirmation, login.live.com
        "cred_picker_title": "Choose a way to sign in",
        "cred_password": "Use my password",
        "cred_passwordless": "Approve a request on my Microsoft Authenticator app",
        "cred_passkey": "Face, fingerprint, PIN or security key",
        "cred_other_ways": "Other ways to sign in",
        "ngc_use_password": "Use your password instead",
        "passkey_title": "Sign in with a passkey",
        "passkey_waiting": "Follow the instructions in the window your browser opened.",
        "passkey_failed": "We couldn't sign you in with a passkey.",
        "another_way": "Sign in another way",
        "confirm_title": "Confirm your sign-in",
        "confirm_desc": "AADSTS399218: User confirmation is required to sign in to this tenant.",
        "continue": "Continue",
        "cancel": "Cancel",
        "live_title": "Sign in to your Microsoft account",
        "live_no_account": "No account? Create one!",
        "proofup_title": "More information required",
        "proofup_desc": "Your organization needs more information to keep your account secure",
        "ask_later": "Ask later",
        "expired_title": "Update your password",
        "expired_desc": "You need to update your password because this is the first time you are signing in, "
        "or because your password has expired.",
        "current_password": "Current password",
        "new_password": "New password",
        "confirm_password": "Confirm password",
        "error_title": "Sign in",
        "blocked_message": "AADSTS53003: Access has been blocked by Conditional Access policies. "
        "The access policy does not allow token issuance.",
        "troubleshooting": "Troubleshooting details",
        "landing_heading": "Welcome to Microsoft 365",
        "landing_desc": "Collaborate for free with online versions of Microsoft Word, PowerPoint, Excel, "
        "and OneNote.",
        "landing_get": "Get Microsoft 365",
        "home_greeting": "Welcome to Microsoft 365",
        "home_recommended": "Recommended",
        "app_launcher": "App launcher",
        "apps": "Apps",
        "account_manager": "Account manager for",
        "search": "Search",
        "my_files": "My files",
        "home": "Home",
        "access_denied": "Access denied",
        # the Microsoft 365 Copilot app (home, left rail, app launcher, Apps page)
        "more_apps": "More apps",
        "create": "Create",
        "copilot_prompt": "Message Copilot",
        "navigation": "Navigation",
        "adfs_signin": "Sign in with your organizational account",
        "adfs_user_placeholder": "someone@example.com",
        "adfs_error": "Incorrect user ID or password. Type the correct user ID and password, and try again.",
    },
    "tr": {
        "title": "Hesabınızda oturum açın",
        "signin": "Oturum açın",
        "username_placeholder": "E-posta, telefon veya Skype",
        "next": "İleri",
        "back": "Geri",
        "enter_password": "Parolayı girin",
        "password_placeholder": "Parola",
        "forgot": "Parolamı unuttum",
        "err_username_empty": "Geçerli bir e-posta adresi, telefon numarası veya Skype adı girin.",
        "err_username_unknown": "Bu kullanıcı adı hatalı olabilir. Doğru yazdığınızdan emin olun. "
        "Aksi takdirde yöneticinize başvurun.",
        "err_password_empty": "Lütfen parolanızı girin.",
        "err_password_wrong": "Hesabınız veya parolanız hatalı. Parolanızı hatırlamıyorsanız şimdi sıfırlayın.",
        "err_locked": "Yetkisiz kullanımı önlemek için hesabınız geçici olarak kilitlendi. Daha sonra yeniden "
        "deneyin; sorun devam ederse yöneticinize başvurun.",
        "kmsi_title": "Oturumunuz açık kalsın mı?",
        "kmsi_desc": "Bir sonraki sefer yeniden oturum açmak zorunda kalmamak için oturumunuzu açık tutun.",
        "kmsi_dont_show": "Bunu bir daha gösterme",
        "yes": "Evet",
        "no": "Hayır",
        "working": "Çalışıyor...",
        "chooser_title": "Bu e-posta Microsoft'taki birden fazla hesapla kullanılıyor gibi görünüyor. "
        "Hangisini kullanmak istiyorsunuz?",
        "work_account": "İş veya okul hesabı",
        "work_desc": "BT departmanınız tarafından oluşturuldu",
        "personal_account": "Kişisel hesap",
        "personal_desc": "Sizin tarafınızdan oluşturuldu",
        "tfa_approve_title": "Oturum açma isteğini onaylayın",
        "tfa_approve_desc": "Authenticator uygulamanızı açın ve oturum açmak için gösterilen sayıyı girin.",
        "tfa_cant_use": "Şu anda Microsoft Authenticator uygulamamı kullanamıyorum",
        "tfa_denied": "Oturumunuzu açmadık. Authenticator uygulamasında isteği reddettiniz.",
        "tfa_timeout": "Sizden yanıt alamadık. Authenticator uygulamanıza bildirim gönderdik, "
        "ancak zamanında yanıt vermediniz.",
        "tfa_verify_identity": "Kimliğinizi doğrulayın",
        "tfa_method_push": "Microsoft Authenticator uygulamamdaki bir isteği onayla",
        "tfa_method_otp": "Doğrulama kodu kullan",
        "tfa_enter_code": "Kodu girin",
        "tfa_code_desc": "Mobil cihazınızdaki kimlik doğrulayıcı uygulamasında görüntülenen kodu girin",
        "tfa_code_placeholder": "Kod",
        "tfa_dont_ask": "90 gün boyunca bir daha sorma",
        "tfa_verify": "Doğrula",
        "tfa_code_wrong": "Beklenen doğrulama kodunu girmediniz. Lütfen yeniden deneyin.",
        # 2026 sign-in: credential picker, passwordless Authenticator, passkey, user confirmation, login.live.com
        "cred_picker_title": "Oturum açma yöntemini seçin",
        "cred_password": "Parolamı kullan",
        "cred_passwordless": "Microsoft Authenticator uygulamamdaki bir isteği onayla",
        "cred_passkey": "Yüz, parmak izi, PIN veya güvenlik anahtarı",
        "cred_other_ways": "Oturum açmanın diğer yolları",
        "ngc_use_password": "Bunun yerine parolanızı kullanın",
        "passkey_title": "Geçiş anahtarıyla oturum açın",
        "passkey_waiting": "Tarayıcınızın açtığı penceredeki yönergeleri izleyin.",
        "passkey_failed": "Geçiş anahtarıyla oturumunuzu açamadık.",
        "another_way": "Başka bir yolla oturum açın",
        "confirm_title": "Oturum açmanızı onaylayın",
        "confirm_desc": "AADSTS399218: Bu kiracıda oturum açmak için kullanıcı onayı gerekiyor.",
        "continue": "Devam",
        "cancel": "İptal",
        "live_title": "Microsoft hesabınızda oturum açın",
        "live_no_account": "Hesabınız yok mu? Hemen oluşturun!",
        "proofup_title": "Daha fazla bilgi gerekiyor",
        "proofup_desc": "Kuruluşunuz, hesabınızı güvende tutmak için daha fazla bilgiye ihtiyaç duyuyor",
        "ask_later": "Daha sonra sor",
        "expired_title": "Parolanızı güncelleştirin",
        "expired_desc": "İlk kez oturum açtığınız veya parolanızın süresi dolduğu için parolanızı "
        "güncelleştirmeniz gerekiyor.",
        "current_password": "Geçerli parola",
        "new_password": "Yeni parola",
        "confirm_password": "Parolayı onaylayın",
        "error_title": "Oturum açın",
        "blocked_message": "AADSTS53003: Erişim, Koşullu Erişim ilkeleri tarafından engellendi. "
        "Erişim ilkesi belirteç verilmesine izin vermiyor.",
        "troubleshooting": "Sorun giderme ayrıntıları",
        "landing_heading": "Microsoft 365'e hoş geldiniz",
        "landing_desc": "Microsoft Word, PowerPoint, Excel ve OneNote'un çevrimiçi sürümleriyle ücretsiz "
        "işbirliği yapın.",
        "landing_get": "Microsoft 365'i edinin",
        "home_greeting": "Microsoft 365'e hoş geldiniz",
        "home_recommended": "Önerilenler",
        "app_launcher": "Uygulama başlatıcı",
        "apps": "Uygulamalar",
        "account_manager": "Hesap yöneticisi:",
        "search": "Ara",
        "my_files": "Dosyalarım",
        "home": "Giriş",
        "access_denied": "Erişim reddedildi",
        # the Microsoft 365 Copilot app (home, left rail, app launcher, Apps page)
        "more_apps": "Diğer uygulamalar",
        "create": "Oluştur",
        "copilot_prompt": "Copilot'a ileti gönderin",
        "navigation": "Gezinti",
        "adfs_signin": "Kurumsal hesabınızla oturum açın",
        "adfs_user_placeholder": "birisi@example.com",
        "adfs_error": "Kullanıcı kimliği veya parola yanlış. Doğru kullanıcı kimliğini ve parolayı yazıp "
        "yeniden deneyin.",
    },
    "de": {
        "title": "Bei Ihrem Konto anmelden",
        "signin": "Anmelden",
        "username_placeholder": "E-Mail, Telefon oder Skype",
        "next": "Weiter",
        "back": "Zurück",
        "enter_password": "Kennwort eingeben",
        "password_placeholder": "Kennwort",
        "forgot": "Kennwort vergessen",
        "err_username_empty": "Geben Sie eine gültige E-Mail-Adresse, Telefonnummer oder einen gültigen "
        "Skype-Namen ein.",
        "err_username_unknown": "Dieser Benutzername ist möglicherweise falsch. Stellen Sie sicher, dass Sie ihn "
        "richtig eingegeben haben. Wenden Sie sich andernfalls an Ihren Administrator.",
        "err_password_empty": "Geben Sie Ihr Kennwort ein.",
        "err_password_wrong": "Ihr Konto oder Kennwort ist falsch. Wenn Sie Ihr Kennwort vergessen haben, "
        "setzen Sie es jetzt zurück.",
        "err_locked": "Ihr Konto wurde vorübergehend gesperrt, um eine unbefugte Verwendung zu verhindern. "
        "Versuchen Sie es später erneut.",
        "kmsi_title": "Angemeldet bleiben?",
        "kmsi_desc": "Bleiben Sie angemeldet, damit Sie sich beim nächsten Mal nicht erneut anmelden müssen.",
        "kmsi_dont_show": "Nicht mehr anzeigen",
        "yes": "Ja",
        "no": "Nein",
        "working": "Wird ausgeführt...",
        "chooser_title": "Diese E-Mail-Adresse wird anscheinend mit mehreren Microsoft-Konten verwendet. "
        "Welches möchten Sie verwenden?",
        "work_account": "Geschäfts-, Schul- oder Unikonto",
        "work_desc": "Von Ihrer IT-Abteilung erstellt",
        "personal_account": "Persönliches Konto",
        "personal_desc": "Von Ihnen erstellt",
        "tfa_approve_title": "Anmeldeanforderung genehmigen",
        "tfa_approve_desc": "Öffnen Sie Ihre Authenticator-App, und geben Sie die angezeigte Zahl ein, "
        "um sich anzumelden.",
        "tfa_cant_use": "Ich kann meine Microsoft Authenticator-App im Moment nicht verwenden.",
        "tfa_denied": "Sie wurden nicht angemeldet. Sie haben die Anforderung in der Authenticator-App abgelehnt.",
        "tfa_timeout": "Wir haben keine Antwort erhalten. Sie haben nicht rechtzeitig auf die Benachrichtigung "
        "reagiert.",
        "tfa_verify_identity": "Identität überprüfen",
        "tfa_method_push": "Anforderung in meiner Microsoft Authenticator-App genehmigen",
        "tfa_method_otp": "Prüfcode verwenden",
        "tfa_enter_code": "Code eingeben",
        "tfa_code_desc": "Geben Sie den Code ein, der in der Authentifizierungs-App auf Ihrem Mobilgerät "
        "angezeigt wird.",
        "tfa_code_placeholder": "Code",
        "tfa_dont_ask": "90 Tage lang nicht mehr fragen",
        "tfa_verify": "Überprüfen",
        "tfa_code_wrong": "Sie haben nicht den erwarteten Prüfcode eingegeben. Versuchen Sie es erneut.",
        # 2026 sign-in: credential picker, passwordless Authenticator, passkey, user confirmation, login.live.com
        "cred_picker_title": "Wählen Sie eine Anmeldemethode aus",
        "cred_password": "Mein Kennwort verwenden",
        "cred_passwordless": "Anforderung in meiner Microsoft Authenticator-App genehmigen",
        "cred_passkey": "Gesicht, Fingerabdruck, PIN oder Sicherheitsschlüssel",
        "cred_other_ways": "Andere Anmeldemöglichkeiten",
        "ngc_use_password": "Stattdessen Ihr Kennwort verwenden",
        "passkey_title": "Mit einem Passkey anmelden",
        "passkey_waiting": "Folgen Sie den Anweisungen in dem Fenster, das Ihr Browser geöffnet hat.",
        "passkey_failed": "Die Anmeldung mit einem Passkey ist fehlgeschlagen.",
        "another_way": "Auf andere Weise anmelden",
        "confirm_title": "Anmeldung bestätigen",
        "confirm_desc": "AADSTS399218: Für die Anmeldung bei diesem Mandanten ist eine Benutzerbestätigung "
        "erforderlich.",
        "continue": "Weiter",
        "cancel": "Abbrechen",
        "live_title": "Bei Ihrem Microsoft-Konto anmelden",
        "live_no_account": "Sie haben noch kein Konto? Erstellen Sie jetzt eins!",
        "proofup_title": "Weitere Informationen erforderlich",
        "proofup_desc": "Ihre Organisation benötigt weitere Informationen zum Schutz Ihres Kontos.",
        "ask_later": "Später fragen",
        "expired_title": "Kennwort aktualisieren",
        "expired_desc": "Sie müssen Ihr Kennwort aktualisieren, weil Sie sich zum ersten Mal anmelden oder "
        "weil Ihr Kennwort abgelaufen ist.",
        "current_password": "Aktuelles Kennwort",
        "new_password": "Neues Kennwort",
        "confirm_password": "Kennwort bestätigen",
        "error_title": "Anmelden",
        "blocked_message": "AADSTS53003: Der Zugriff wurde durch Richtlinien für bedingten Zugriff blockiert. "
        "Die Zugriffsrichtlinie lässt keine Tokenausstellung zu.",
        "troubleshooting": "Details zur Problembehandlung",
        "landing_heading": "Willkommen bei Microsoft 365",
        "landing_desc": "Arbeiten Sie kostenlos mit den Onlineversionen von Microsoft Word, PowerPoint, Excel "
        "und OneNote zusammen.",
        "landing_get": "Microsoft 365 erwerben",
        "home_greeting": "Willkommen bei Microsoft 365",
        "home_recommended": "Empfohlen",
        "app_launcher": "App-Startfeld",
        "apps": "Apps",
        "account_manager": "Konto-Manager für",
        "search": "Suchen",
        "my_files": "Meine Dateien",
        "home": "Startseite",
        "access_denied": "Zugriff verweigert",
        # the Microsoft 365 Copilot app (home, left rail, app launcher, Apps page)
        "more_apps": "Weitere Apps",
        "create": "Erstellen",
        "copilot_prompt": "Nachricht an Copilot",
        "navigation": "Navigation",
        "adfs_signin": "Mit Ihrem Organisationskonto anmelden",
        "adfs_user_placeholder": "jemand@example.com",
        "adfs_error": "Falsche Benutzer-ID oder falsches Kennwort. Geben Sie die richtige Benutzer-ID und das "
        "richtige Kennwort ein, und versuchen Sie es erneut.",
    },
}


def pick_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header (English otherwise)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in STRINGS:
            return base
    return "en"


def market(lang: str) -> str:
    return {"en": "en-US", "tr": "tr-TR", "de": "de-DE"}[lang]

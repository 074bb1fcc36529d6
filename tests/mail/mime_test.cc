// MIME decoding on real mail from tests/data (kvmarm-oddities, patchwork-mail,
// notmuch-corpora; /work/shared/corpora/provenance says where each came
// from). Every expected value was read off the raw message by hand: the
// encoded bytes are quoted in the comment above each check.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "mail/message.h"
#include "support.h"

namespace listdigest {
namespace {

using mail::Message;

// U+00A0 and U+FFFD as UTF-8, kept apart so that no hex digit follows "\x..".
const std::string kNbsp = "\xC2\xA0";
const std::string kReplacement = "\xEF\xBF\xBD";

const std::vector<std::string>& Mbox(const std::string& name) {
  static std::map<std::string, std::vector<std::string>> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, testing::ReadMbox(testing::DataPath(name))).first;
  return it->second;
}

Message Parse(const std::string& mbox, const std::string& id) {
  return mail::ParseMessage(testing::FindMessage(Mbox(mbox), id));
}

// The messages of `mbox` whose header block holds `text`, in file order.
std::vector<std::string> WithHeader(const std::string& mbox, const std::string& text) {
  std::vector<std::string> found;
  for (const auto& m : Mbox(mbox)) {
    if (m.substr(0, m.find("\n\n")).find(text) != std::string::npos) found.push_back(m);
  }
  return found;
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}
bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}
bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool ValidUtf8(const std::string& text) { return mail::MakeValidUtf8(text) == text; }

const std::string kKvmarmFooter =
    "_______________________________________________\n"
    "kvmarm mailing list\n"
    "kvmarm@lists.cs.columbia.edu\n"
    "https://lists.cs.columbia.edu/mailman/listinfo/kvmarm\n";

// --- Transfer encodings ---------------------------------------------------

TEST_CASE("mime: quoted-printable iso-8859-1 body: =XX escapes and soft breaks decoded") {
  // Content-Type: text/plain; charset="iso-8859-1", quoted-printable:
  //   > >> +=A0=A0=A0 its_data.cmd_base =3D (void *)virt_to_phys(alloc_pages(orde=
  //   r));
  const Message m = Parse("kvmarm-oddities.mboxrd", "<20200330091139.i2d6vv64f5diamlz@kamzik");
  CHECK(m.message_id == "20200330091139.i2d6vv64f5diamlz@kamzik.brq.redhat.com");
  CHECK(Has(m.body, "> >> +" + kNbsp + kNbsp + kNbsp +
                        " its_data.cmd_base = (void *)virt_to_phys(alloc_pages(order));\n"));
  // "we *also* have a virt addr =3D=3D phys addr mapping in the default page"
  CHECK(Has(m.body, "\nwe *also* have a virt addr == phys addr mapping in the default page\n"));
  // A line that was only "> =" (soft break at once) is "> " then the next line.
  CHECK(StartsWith(m.body,
                   "On Mon, Mar 30, 2020 at 10:46:57AM +0200, Auger Eric wrote:\n"
                   "> Hi Zenghui,\n> \n> On 3/30/20 10:30 AM, Zenghui Yu wrote:\n"));
  CHECK_FALSE(Has(m.body, "=3D"));
  CHECK_FALSE(Has(m.body, "=A0"));
  CHECK(ValidUtf8(m.body));
  CHECK(m.diagnostics.empty());
}

TEST_CASE("mime: quoted-printable tabs (=09) in a part of charset \"none\"") {
  // patchwork 0010-invalid-charset: charset="none", QUOTED-PRINTABLE, "=09[BZ #16315]".
  const Message m = Parse("patchwork-mail.mboxrd", "<Pine.LNX.4.64.1406041749420.3719@");
  CHECK(m.raw_subject == "Fix pow overflow in non-default rounding modes (bug 16315)");
  CHECK(m.from.name == "Joseph S. Myers");
  CHECK(StartsWith(m.body, "This patch, relative to a tree with\n"));
  CHECK(Has(m.body,
            "\n\t[BZ #16315]\n\t* sysdeps/i386/fpu/e_pow.S (__ieee754_pow): Ensure possibly\n"));
  CHECK(ValidUtf8(m.body));
  // The unknown charset is reported, the text is kept.
  REQUIRE(m.diagnostics.size() == 1);
  CHECK(StartsWith(m.diagnostics[0], "text part in charset none cannot be converted"));
}

TEST_CASE("mime: base64 UTF-8 cover letter decoded; excerpt ends at the diffstat") {
  // Content-Transfer-Encoding: base64; From: =?UTF-8?q?Alex=20Benn=C3=A9e?=
  const Message m =
      Parse("kvmarm-oddities.mboxrd", "<20210525172628.2088-1-alex.bennee@linaro.org>");
  CHECK(m.from.name == "Alex Bennée");
  CHECK(m.from.email == "alex.bennee@linaro.org");
  CHECK(m.raw_subject == "[kvm-unit-tests PATCH v2 0/4] enable LPI and ITS for TCG");
  CHECK(m.subject.number == 0);
  CHECK(m.subject.total == 4);
  CHECK(m.subject.version == 2);
  CHECK(
      StartsWith(m.body, "This is a companion to Shashi's series enabling LPI and ITS features\n"));
  CHECK(Has(m.body, "\nAlex Bennée (4):\n  arm64: remove invalid check from its-trigger test\n"));
  // The quoted "  From: Shashi Mallela" further down is no in-body From.
  CHECK_FALSE(m.in_body_from);
  CHECK(m.author.name == "Alex Bennée");
  const std::string excerpt = mail::DigestExcerpt(m.body);
  CHECK(StartsWith(excerpt, "This is a companion to Shashi's series"));
  CHECK(EndsWith(excerpt,
                 "\n arm/unittests.cfg     | 12 +++++++++---\n"
                 " 3 files changed, 24 insertions(+), 14 deletions(-)"));
  CHECK_FALSE(Has(excerpt, "2.20.1"));
}

TEST_CASE("mime: base64 UTF-8 text after the signature") {
  const Message m =
      Parse("kvmarm-oddities.mboxrd", "<d80e440375896f75d45e227d40af60ca7ba24ceb.camel@");
  CHECK(m.from.name == "Nicolas Saenz Julienne");
  CHECK(StartsWith(m.body, "Hi All,\narm64's guest entry code does the following:\n\n"));
  CHECK(Has(m.body, "\nThanks,\n\n-- \nNicolás Sáenz\n\n" + kKvmarmFooter));
  CHECK(EndsWith(m.body, kKvmarmFooter));
  // Not a patch: the excerpt stops before the signature.
  CHECK(EndsWith(mail::DigestExcerpt(m.body),
                 "hit an el1 handler (for example __el1_irq()) there?\n\nThanks,"));
}

TEST_CASE("mime: base64 patch with an in-body From and a UTF-8 trailer") {
  const Message m =
      Parse("kvmarm-oddities.mboxrd", "<20190503124427.190206-3-marc.zyngier@arm.com>");
  CHECK(m.from.name == "Marc Zyngier");
  CHECK(m.author.name == "Dave Martin");
  CHECK(m.author.email == "Dave.Martin@arm.com");
  CHECK(m.in_body_from);
  // Signed-off-by Dave Martin, Reviewed-by ×2, Tested-by, Signed-off-by Marc Zyngier
  REQUIRE(m.trailers.size() == 5);
  CHECK(m.trailers[1].kind == "Reviewed-by");
  CHECK(m.trailers[1].value == "Alex Bennée <alex.bennee@linaro.org>");
  CHECK(m.trailers[1].who.name == "Alex Bennée");
  CHECK(m.trailers[3].kind == "Tested-by");
  CHECK(m.trailers[3].who.email == "zhang.lei@jp.fujitsu.com");
  CHECK(m.trailers[4].who.name == "Marc Zyngier");
  CHECK(EndsWith(mail::DigestExcerpt(m.body),
                 "\n 2 files changed, 19 insertions(+), 11 deletions(-)"));
}

// --- Encoded words in headers ---------------------------------------------

TEST_CASE("mime: RFC 2047 From names in UTF-8") {
  // From: =?UTF-8?Q?Andr=c3=a9_Przywara?= <andre.przywara@arm.com>
  Message m = Parse("kvmarm-oddities.mboxrd", "<d49f5180-aa5a-a04c-836a-0b30336d1d7c@arm.com>");
  CHECK(m.from.name == "André Przywara");
  CHECK(m.from.email == "andre.przywara@arm.com");
  // From: Daniel =?utf-8?B?UC4gQmVycmFuZ8Op?= <berrange@redhat.com>
  m = Parse("kvmarm-oddities.mboxrd", "<20190905092317.GB14512@redhat.com>");
  CHECK(m.from.name == "Daniel P. Berrangé");
  // From: Alex =?utf-8?Q?Benn=C3=A9e?= <alex.bennee@linaro.org>
  m = Parse("kvmarm-oddities.mboxrd", "<87a6hlzq8t.fsf@linaro.org>");
  CHECK(m.from.name == "Alex Bennée");
  // From: =?UTF-8?B?6LCi5piO?= <xieming@kylinos.cn>
  m = Parse("kvmarm-oddities.mboxrd", "<1zpfpvw7azf-1zpgztpmct8@nsmail6.0>");
  CHECK(m.from.name == "谢明");
  CHECK(m.from.email == "xieming@kylinos.cn");
  // From: =?utf-8?b?UmFmYcWCIE1pxYJlY2tp?= <zajec5@gmail.com>
  m = Parse("patchwork-mail.mboxrd", "<1464811283-10381-1-git-send-email-zajec5@gmail.com>");
  CHECK(m.from.name == "Rafał Miłecki");
}

TEST_CASE("mime: RFC 2047 From names in ISO-8859-1, GBK and GB2312") {
  // Quoted, which strict RFC 2047 does not allow:
  //   From: "=?ISO-8859-1?Q?Fran=E7ois_Boulogne?=" <boulogne.f@gmail.com>
  Message m = Parse("notmuch-corpora.mboxrd", "<4EFC743A.3060609@april.org>");
  CHECK(m.from.name == "François Boulogne");
  CHECK(m.from.email == "boulogne.f@gmail.com");
  // From: =?ISO-8859-1?Q?Nicolas_de_Peslo=FCan?= \n\t<nicolas.2p.debian@gmail.com>
  m = Parse("notmuch-corpora.mboxrd", "<4D591D04.4050000@gmail.com>");
  CHECK(m.from.name == "Nicolas de Pesloüan");
  CHECK(m.from.email == "nicolas.2p.debian@gmail.com");
  // From: "=?GBK?B?1cW2q9Dx?=" <xu910121@sina.com>
  m = Parse("kvmarm-oddities.mboxrd", "<20201015040639.70C6D414009F@webmail.sinamail.sina.com.cn>");
  CHECK(m.from.name == "张东旭");
  // From: =?gb2312?B?2Lfo6yCzwg==?= <yinhua_chen@outlook.com>
  m = Parse("kvmarm-oddities.mboxrd", "<OSZP286MB11361A5F1B4D592F54930F6F81099@");
  CHECK(m.from.name == "胤桦 陈");
  CHECK(m.from.email == "yinhua_chen@outlook.com");
}

TEST_CASE("mime: RFC 2047 Subjects") {
  // Subject: =?UTF-8?B?5Zue5aSNOiBSZTogW1BBVENIXSBrdm06IGZpeCBncHUgcGFzc3Rocm91Z2ggaW50byB2bSBv
  //   biBhcm02NA==?= (one encoded word, split here)
  Message m = Parse("kvmarm-oddities.mboxrd", "<1zpfpvw7azf-1zpgztpmct8@nsmail6.0>");
  CHECK(m.raw_subject == "回复: Re: [PATCH] kvm: fix gpu passthrough into vm on arm64");
  // Two encoded words on two lines; the folding white space between them goes:
  //   Subject: =?US-ASCII?Q?Re=3A_=5BPATCH_v3_08/12=5D_KVM=3A_Propagate_vcpu?=
  //    =?US-ASCII?Q?_explicitly_to_mark=5Fpage=5Fdirty=5Fin=5Fslot=28=29?=
  m = Parse("kvmarm-oddities.mboxrd", "<35AEC3FD-B46A-451D-B7D5-4B1BDD5407BD@infradead.org>");
  CHECK(m.raw_subject ==
        "Re: [PATCH v3 08/12] KVM: Propagate vcpu explicitly to mark_page_dirty_in_slot()");
  CHECK(m.subject.reply);
  CHECK(m.subject.title() == "KVM: Propagate vcpu explicitly to mark_page_dirty_in_slot()");
  // Subject: Re: =?UTF-8?Q?KVM=5FCOMPAT=20support=20on=20aarch=36=34?=
  m = Parse("kvmarm-oddities.mboxrd", "<a07bd7883278838c26a955a1b4c43441@www.loen.fr>");
  CHECK(m.raw_subject == "Re: KVM_COMPAT support on aarch64");
  // Subject: Essai =?iso-8859-1?Q?accentu=E9?=
  m = Parse("notmuch-corpora.mboxrd", "<877h1wv7mg.fsf@inf-8657.int-evry.fr>");
  CHECK(m.raw_subject == "Essai accentué");
  // A whole patch subject encoded:
  // =?UTF-8?q?=5BPATCH=2029/44=5D=20drivers/staging=3A=20Remove=20...?=
  m = Parse("notmuch-corpora.mboxrd",
            "<3246dc176a2c553078e73332f02d802dd8ef7942.1289789605.git.joe@");
  CHECK(m.raw_subject == "[PATCH 29/44] drivers/staging: Remove unnecessary semicolons");
  CHECK(m.subject.patch);
  CHECK(m.subject.number == 29);
  CHECK(m.subject.total == 44);
}

TEST_CASE("mime: raw 8-bit UTF-8 headers are read as UTF-8") {
  // patchwork 0014-with-unencoded-utf8-headers: "From: Rafał Miłecki" in bare UTF-8.
  const auto both = WithHeader("patchwork-mail.mboxrd",
                               "Rafa\xC5\x82 Mi\xC5\x82"
                               "ecki <zajec5@gmail.com>");
  REQUIRE(both.size() == 1);
  const Message m = mail::ParseMessage(both[0]);
  CHECK(m.from.name == "Rafał Miłecki");
  CHECK(m.raw_subject == "MAINTAINERS: Update entry for BCM5301X ARM to include Rafał Miłecki");
}

TEST_CASE("mime: folded Subject headers are unfolded") {
  // Subject: Re: [kvm-unit-tests PATCH v7 06/13] arm/arm64: ITS: Introspection
  //  tests
  Message m = Parse("kvmarm-oddities.mboxrd", "<20200330091139.i2d6vv64f5diamlz@kamzik");
  CHECK(m.raw_subject == "Re: [kvm-unit-tests PATCH v7 06/13] arm/arm64: ITS: Introspection tests");
  CHECK(m.subject.title() == "arm/arm64: ITS: Introspection tests");
  // Subject: Re: [PATCH 44/44] sound/soc/codecs: Remove unnecessary
  // <TAB>semicolons
  m = Parse("notmuch-corpora.mboxrd", "<1289819360.3377.15.camel@odin>");
  CHECK(m.raw_subject == "Re: [PATCH 44/44] sound/soc/codecs: Remove unnecessary\tsemicolons");
  CHECK(m.subject.text == "Re: [PATCH 44/44] sound/soc/codecs: Remove unnecessary semicolons");
  CHECK(m.subject.title() == "sound/soc/codecs: Remove unnecessary semicolons");
  // No subject of the three corpora keeps a line break (146 of 440 did).
  std::vector<std::string> broken;
  for (const char* name :
       {"kvmarm-oddities.mboxrd", "patchwork-mail.mboxrd", "notmuch-corpora.mboxrd"}) {
    for (const auto& raw : Mbox(name)) {
      const Message each = mail::ParseMessage(raw);
      if (each.raw_subject.find_first_of("\r\n") != std::string::npos)
        broken.push_back(each.message_id);
    }
  }
  INFO("first: " << (broken.empty() ? "" : broken.front()));
  CHECK(broken.empty());
}

// --- Charsets ---------------------------------------------------------------

TEST_CASE("mime: GBK and GB2312 bodies") {
  // charset="gbk", base64: "\xd4\xda 2021/5/8 \xc9\xcf\xce\xe71:36, Marc Zyngier \xd0\xb4\xb5\xc0:"
  Message m = Parse("kvmarm-oddities.mboxrd", "<373c70d3-eda3-8e84-d138-2f90d4e55217@redhat.com>");
  CHECK(StartsWith(
      m.body,
      "\n在 2021/5/8 上午1:36, Marc Zyngier 写道:\n> On Fri, 07 May 2021 12:02:57 +0100,\n"));
  m = Parse("kvmarm-oddities.mboxrd", "<b309c02d-9570-6400-9a0c-63030aed7ff7@redhat.com>");
  CHECK(Has(m.body, "在 2021/5/8 下午3:11, Zhu Lingshan 写道:\n"));
  // charset=gb2312, quoted-printable: "Thanks=A3=A1" (a full-width "!")
  m = Parse("notmuch-corpora.mboxrd", "<1671200DA80140558ED0D17FB55585AD@usish.com.cn>");
  CHECK(Has(m.body, "\nThanks！\n"));
  CHECK(m.diagnostics.empty());
  // charset="gb2312", base64, inside multipart/alternative
  m = Parse("kvmarm-oddities.mboxrd", "<OSZP286MB11361A5F1B4D592F54930F6F81099@");
  CHECK(Has(m.body, "\nTo: 胤桦 陈 <yinhua_chen@outlook.com>\n"));
  CHECK(Has(m.body, "\n> From: André Przywara <andre.przywara@arm.com>\n"));
}

TEST_CASE("mime: ISO-2022-JP bodies") {
  // 7-bit escapes: "Okamoto, Takayuki/ESC$B2,K\ESC(B ESC$B9b9,ESC(B <tokamoto@jp.fujitsu.com>"
  Message m =
      Parse("kvmarm-oddities.mboxrd", "<8898674D84E3B24BA3A2D289B872026A78BAAE43@G01JPEXMBKW03>");
  CHECK(
      Has(m.body, "\n> Cc: Okamoto, Takayuki/岡本 高幸 <tokamoto@jp.fujitsu.com>; Christoffer\n"));
  CHECK(Has(m.body,
            "\n> Lei/張 雷 <zhang.lei@jp.fujitsu.com>; Julien Grall <julien.grall@arm.com>;\n"));
  CHECK(m.from.name == "Zhang, Lei");
  // An ideographic space (U+3000) in code.
  m = Parse("kvmarm-oddities.mboxrd", "<8898674D84E3B24BA3A2D289B872026A78BA95D6@G01JPEXMBKW03>");
  CHECK(Has(
      m.body,
      "\t\tif (vq_present(vqs, vq) != sve_vq_available(vq))\xE3\x80\x80// It failed at here.\n"));
}

TEST_CASE("mime: windows-1252 bodies keep the characters ISO-8859-1 lacks") {
  // charset="windows-1252", quoted-printable: "Apologies for the =93Disclaimer=94 message."
  Message m = Parse("kvmarm-oddities.mboxrd", "<VI1PR08MB3485B2103821FB09CBF18A0D889E9@");
  CHECK(StartsWith(m.body,
                   "Kindly ignore this patch, I will resend an updated one. Apologies for the "
                   "“Disclaimer” message. This is not intended.\n\nRegards\nNikita\n"));
  // A forwarded "From:" in the middle of the text is no in-body From.
  CHECK(Has(m.body, "\nFrom: Nikita Venkatesh <nikita.venkatesh@arm.com>\n"));
  CHECK_FALSE(m.in_body_from);
  CHECK(m.author.email == "Nikita.Venkatesh@arm.com");
  CHECK_FALSE(Has(m.body, "<div"));
  // "If you have a Renter=92s policy"
  m = Parse("kvmarm-oddities.mboxrd", "<0EB64B4CBD1D4CC88F746A99A8935F701D6608C78D1C@");
  CHECK(Has(m.body,
            "If you have a Renter’s policy, you can manage your policy online 24/7 at: "
            "https://www.myassurantpolicy.com/\n"));
}

// --- Multipart ----------------------------------------------------------------

TEST_CASE("mime: multipart/mixed with a base64 text/x-patch attachment") {
  const Message m =
      Parse("kvmarm-oddities.mboxrd", "<32eabe7d270e5a466ba2d9345b4270b8fe27700c.camel@");
  CHECK(StartsWith(m.body, "On Tue, 2021-11-30 at 00:53 +0200, Maxim Levitsky wrote:\n"));
  const size_t text = m.body.find("\nI am now almost sure that this is errata #1235.\n");
  const size_t patch = m.body.find(
      "\nFrom dba295579d10ff88b596697c861a7c83f5e9d013 Mon Sep 17 00:00:00 2001\n"
      "From: Maxim Levitsky <mlevitsk@redhat.com>\n"
      "Date: Tue, 30 Nov 2021 13:56:57 +0200\n"
      "Subject: [PATCH] add unit test for avic ipi\n");
  const size_t footer = m.body.find(kKvmarmFooter);
  REQUIRE(text != std::string::npos);
  REQUIRE(patch != std::string::npos);
  REQUIRE(footer != std::string::npos);
  CHECK(text < patch);  // parts in order: text, patch, list footer
  CHECK(patch < footer);
  CHECK(Has(m.body, "\n 3 files changed, 176 insertions(+), 1 deletion(-)\n"));
  CHECK(Has(m.body, "\n+static atomic_t running_cpus;\n"));
  CHECK(Has(m.body, "\n-- \n2.26.3\n"));
  CHECK_FALSE(Has(m.body, "RnJvbSBkYmEyOTU1"));  // the base64 itself
  CHECK_FALSE(m.in_body_from);
  CHECK(m.author.name == "Maxim Levitsky");
}

TEST_CASE("mime: multipart/mixed with a text/x-diff attachment") {
  const Message m = Parse("kvmarm-oddities.mboxrd", "<Yjl96UQ7lUovKBWD@google.com>");
  CHECK(StartsWith(m.body, "Hi Reiji,\n"));
  CHECK(Has(m.body,
            "\nFrom: Oliver Upton <oupton@google.com>\nDate: Tue, 22 Mar 2022 07:22:28 +0000\n"
            "Subject: [PATCH] arm64: cpufeature: Expose a helper for validating feature\n"
            " registers\n"));
  CHECK(Has(m.body, "\n 2 files changed, 85 insertions(+), 5 deletions(-)\n"));
  CHECK_FALSE(m.in_body_from);
}

TEST_CASE("mime: multipart/signed (PGP): the text, not the signature") {
  // multipart/mixed > multipart/signed > text/plain + application/pgp-signature
  Message m = Parse("kvmarm-oddities.mboxrd", "<20210824151015.GB4393@sirena.org.uk>");
  CHECK(
      StartsWith(m.body, "On Tue, Aug 24, 2021 at 02:24:59PM +0100, Alexandru Elisei wrote:\n\n"));
  CHECK(Has(m.body,
            "\nequivalent field HDFGWTR_EL2 - glancing at the XML it appears to have\n"
            "the same issue?  One of the fine grained aspects of fine grained traps\n"
            "is that there's separate read and write traps!\n" +
                kKvmarmFooter));
  CHECK_FALSE(Has(m.body, "PGP"));
  CHECK_FALSE(Has(m.body, "-----BEGIN"));
  // Top-level multipart/signed whose text part has no Content-Type at all.
  m = Parse("notmuch-corpora.mboxrd", "<yunvdh3pfm9.fsf@aiko.keithp.com>");
  CHECK(m.body ==
        "On Sun, 22 Nov 2009 01:11:00 +0100, Stefan Schmidt <stefan@datenfreihafen.org> wrote:\n\n"
        "> +const char *\n> +notmuch_message_get_flags (notmuch_message_t *message)\n\n"
        "This function should interpret the flags that it finds and return a\n"
        "suitable set of notmuch tags. I'd suggest that 'unread' messages get\n"
        "both 'unread' and 'inbox' tags, as Maildir doesn't distinguish between\n"
        "'don't show this to be by default again please' and 'I've read this\n"
        "message'. It seems best to hide the maildir-specific details inside the\n"
        "library instead of exposing them.\n\n"
        "Also, we have only the 'unread' tag; we don't have a 'read' tag, which\n"
        "would simply be the inverse of 'unread'.\n\n-- \nkeith.packard@intel.com\n");
}

TEST_CASE("mime: multipart/alternative: the body comes from text/plain") {
  // text/html; charset="iso-8859-1" beside the text/plain part
  Message m = Parse("patchwork-mail.mboxrd", "<DB5PR03MB18774049A0E62D211988EC8CA3770@");
  CHECK(m.body ==
        "Yup, this looks sensible to me. Replying from Outlook's awful HTML editor to get\n"
        "a sample comment to test with.\n\nStephen\n\n");
  // Gmail, quoted-printable UTF-8: "escribi=C3=B3:"
  m = Parse("kvmarm-oddities.mboxrd", "<CAEX+82LXHgxm5dfj11couvG=SsTAb4dgYCirtyqZozJbD6dj9w@");
  CHECK(StartsWith(m.body, "Hi Like Xu,\n\nThank you for your time to answer.\n"));
  CHECK(Has(m.body, "\nEl vie., 10 abr. 2020 00:34, Xu, Like <like.xu@intel.com> escribió:\n"));
  CHECK_FALSE(Has(m.body, "<div"));
  CHECK_FALSE(Has(m.body, "dir=\"auto\""));
  CHECK(m.diagnostics.empty());
}

TEST_CASE("mime: multipart/related with an image/png: no image bytes, no vCard") {
  // multipart/mixed > (multipart/alternative > text/plain + (multipart/related >
  // text/html + image/png)) + text/x-vcard + list footer
  const Message m =
      Parse("kvmarm-oddities.mboxrd", "<7c31d3ab-ac30-626e-05be-b2547b558f4a@cloudminds.com>");
  CHECK(m.body == " " + kNbsp + "Hi, there:\n\n " + kNbsp + kNbsp + kNbsp +
                      " I have seen some RFC about solving ARM64 kvm cache incoherency \n"
                      "issue ([1], [2]) in May 2015. I followed a few threads and did not\n\n"
                      "know how this arguments ends.\n\n " +
                      kNbsp + kNbsp + " Does anybody know how this problem" + kNbsp +
                      " is solved finally ?\n\n " + kNbsp + kNbsp +
                      " Thank you guys!\n\n\n"
                      "[1] https://lists.cs.columbia.edu/pipermail/kvmarm/2015-May/014567.html\n\n"
                      "[2] https://lists.cs.columbia.edu/pipermail/kvmarm/2015-May/014643.html\n\n"
                      "-- \n" +
                      kKvmarmFooter);
  CHECK_FALSE(Has(m.body, "iVBORw0KGgo"));
  CHECK_FALSE(Has(m.body, "PNG"));
  CHECK_FALSE(Has(m.body, "begin:vcard"));
  CHECK(ValidUtf8(m.body));
}

TEST_CASE("mime: an HTML-only message keeps no HTML in the body") {
  // multipart/mixed > text/html (base64, UTF-8) + the list's text/plain footer
  const Message m = Parse("kvmarm-oddities.mboxrd", "<1zpfpvw7azf-1zpgztpmct8@nsmail6.0>");
  CHECK(m.body == kKvmarmFooter);
  CHECK(ValidUtf8(m.body));
}

// --- Bad input ----------------------------------------------------------------

TEST_CASE("mime: invalid UTF-8 in a part declared UTF-8 becomes U+FFFD") {
  // charset="utf-8", quoted-printable: " \t//if (Check_D_MediaPower())        ; =A6b 6250 don't
  // care"
  const Message m = Parse("notmuch-corpora.mboxrd",
                          "<3246dc176a2c553078e73332f02d802dd8ef7942.1289789605.git.joe@");
  CHECK(Has(m.body,
            "\n \t//if (Check_D_MediaPower())        ; " + kReplacement + "b 6250 don't care\n"));
  CHECK(ValidUtf8(m.body));
  CHECK(std::count(m.diagnostics.begin(), m.diagnostics.end(),
                   std::string("text part declared utf-8 holds invalid bytes")) == 1);
  // The rest of the patch is all there.
  CHECK(Has(m.body, "\n-\t//    return(ErrCode);             ;\n+\t//    return(ErrCode);\n"));
}

TEST_CASE("mime: invalid bytes in headers the parser does not use do no harm") {
  // patchwork 0015-with-invalid-utf8-headers: Cc: =?UTF-8?q?Rafa=FF=FF=20Mi=FF=FFecki?=
  const auto all = WithHeader("patchwork-mail.mboxrd", "Rafa=FF=FF=20Mi=FF=FFecki");
  REQUIRE(all.size() == 1);
  const Message m = mail::ParseMessage(all[0]);
  CHECK(m.from.name == "Rafał Miłecki");
  CHECK(m.raw_subject == "MAINTAINERS: Update entry for BCM5301X ARM");
  CHECK(m.diagnostics.empty());
  // patchwork 0012-invalid-header-char: a raw 0x9C byte in a Received: header
  const Message k =
      Parse("patchwork-mail.mboxrd", "<1473941204-14587-1-git-send-email-ferruh.yigit@intel.com>");
  CHECK(k.raw_subject == "[dpdk-dev] [PATCH] kni: fix compilation error when debug enabled");
  CHECK(k.from.email == "ferruh.yigit@intel.com");
  CHECK(ValidUtf8(k.body));
}

TEST_CASE("mime: a message without Message-ID gets a stable made-up id") {
  // patchwork 0008-git-rename and 0009-git-rename-with-diff: only From, Subject, Date.
  const auto both =
      WithHeader("patchwork-mail.mboxrd",
                 "Subject: [Buildroot] [PATCH 01/11] package/rpi-userland: rename patches");
  REQUIRE(both.size() == 2);
  const Message m = mail::ParseMessage(both[0]);
  CHECK(m.message_id_made_up);
  CHECK(EndsWith(m.message_id, "@listdigest.invalid"));
  CHECK(m.message_id.size() == 40 + std::string("@listdigest.invalid").size());
  CHECK(m.message_id.find_first_not_of("0123456789abcdef") == 40);
  CHECK(mail::ParseMessage(both[0]).message_id == m.message_id);
  CHECK(std::count(m.diagnostics.begin(), m.diagnostics.end(),
                   "no Message-ID; made up " + m.message_id) == 1);
  // The other mail with the same headers but another body gets another id.
  CHECK(mail::ParseMessage(both[1]).message_id != m.message_id);
  CHECK(m.raw_subject == "[Buildroot] [PATCH 01/11] package/rpi-userland: rename patches");
  CHECK(m.date == 1381270187);  // Tue, 8 Oct 2013 22:09:47 +0000
  CHECK(
      EndsWith(mail::DigestExcerpt(m.body), "\n 2 files changed, 0 insertions(+), 0 deletions(-)"));
}

TEST_CASE("mime: a message with an empty Subject header") {
  // patchwork 0016-no-subject: "Subject:" and nothing after it.
  const Message m = Parse("patchwork-mail.mboxrd", "<ABC@DEF>");
  CHECK(m.message_id == "ABC@DEF");
  CHECK_FALSE(m.message_id_made_up);
  CHECK(m.raw_subject.empty());
  CHECK(m.subject.title().empty());
  CHECK_FALSE(m.subject.patch);
  REQUIRE(m.diagnostics.size() == 1);
  CHECK(m.diagnostics[0] == "empty Subject header");
  CHECK(m.from.name == "Yann E. MORIN");
  CHECK(StartsWith(m.body, "Rename patches to follow standard naming scheme.\n"));
}

TEST_CASE("mime: a message without any Subject header") {
  const Message m = mail::ParseMessage("From: A <a@example.org>\nMessage-ID: <s@x>\n\nhi\n");
  CHECK(m.raw_subject.empty());
  CHECK(std::count(m.diagnostics.begin(), m.diagnostics.end(), std::string("no Subject header")) ==
        1);
}

// --- Authors, excerpts, trailers ----------------------------------------------

TEST_CASE("mime: in-body From: is the author; the excerpt drops it and ends at the diffstat") {
  const Message m =
      Parse("kvmarm-oddities.mboxrd", "<20190621093843.220980-25-marc.zyngier@arm.com>");
  CHECK(m.from.name == "Marc Zyngier");
  CHECK(m.from.email == "marc.zyngier@arm.com");
  CHECK(m.author.name == "Jintack Lim");
  CHECK(m.author.email == "jintack.lim@linaro.org");
  CHECK(m.in_body_from);
  CHECK(StartsWith(m.body, "From: Jintack Lim <jintack.lim@linaro.org>\n\nForward traps"));
  const std::string excerpt = mail::DigestExcerpt(m.body);
  CHECK_FALSE(Has(excerpt, "From: Jintack Lim"));
  // The blank line after the From: line stays, as in the reference digests
  // ("Author: …" then two blank lines).
  CHECK(StartsWith(excerpt,
                   "\nForward traps due to FP/ASIMD register accesses to the virtual EL2 if\n"));
  CHECK(EndsWith(excerpt,
                 "Signed-off-by: Marc Zyngier <marc.zyngier@arm.com>\n---\n"
                 " arch/arm64/include/asm/kvm_emulate.h |  7 +++++++\n"
                 " arch/arm64/kvm/handle_exit.c         | 16 ++++++++++++----\n"
                 " arch/arm64/kvm/hyp/switch.c          | 11 +++++++++--\n"
                 " 3 files changed, 28 insertions(+), 6 deletions(-)"));
  CHECK_FALSE(Has(excerpt, "diff --git"));
  REQUIRE(m.trailers.size() == 3);
  CHECK(m.trailers[0].who.name == "Jintack Lim");
  CHECK(m.trailers[2].who.name == "Marc Zyngier");
}

TEST_CASE("mime: in-body From: in a patch sent with a Content-Type header") {
  const Message m =
      Parse("kvmarm-oddities.mboxrd", "<20220622192710.2547152-17-pbonzini@redhat.com>");
  CHECK(m.from.name == "Paolo Bonzini");
  CHECK(m.author.name == "David Matlack");
  CHECK(m.author.email == "dmatlack@google.com");
  CHECK(m.in_body_from);
  CHECK(EndsWith(
      mail::DigestExcerpt(m.body),
      "\n arch/x86/kvm/mmu/mmu.c | 3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)"));
}

TEST_CASE("mime: trailers outside quoted text count, quoted ones do not") {
  // "> Signed-off-by: Alexandru Elisei …" quoted, then "Reviewed-by: Andre Przywara …"
  Message m = Parse("kvmarm-oddities.mboxrd", "<dce1fe3c-1ee8-f4dc-e1d0-355f7ff8db42@arm.com>");
  CHECK(m.from.name == "André Przywara");
  REQUIRE(m.trailers.size() == 1);
  CHECK(m.trailers[0].kind == "Reviewed-by");
  CHECK(m.trailers[0].value == "Andre Przywara <andre.przywara@arm.com>");
  CHECK(m.trailers[0].who.name == "Andre Przywara");
  CHECK(m.trailers[0].who.email == "andre.przywara@arm.com");
  CHECK(Has(m.body, "\n> Signed-off-by: Alexandru Elisei <alexandru.elisei@arm.com>\n"));
  // Only "> > Reviewed-by: Zenghui Yu <yuzenghui@huawei.com>", quoted twice.
  m = Parse("kvmarm-oddities.mboxrd", "<20200330091139.i2d6vv64f5diamlz@kamzik");
  CHECK(Has(m.body, "\n> > Reviewed-by: Zenghui Yu <yuzenghui@huawei.com>\n"));
  CHECK(m.trailers.empty());
  // ISO-2022-JP reply: "Tested-by: Zhang Lei <zhang.lei@jp.fujitsu.com >" at the top,
  // quoted Signed-off-by and Fixes below.
  m = Parse("kvmarm-oddities.mboxrd", "<8898674D84E3B24BA3A2D289B872026A78BAAE43@G01JPEXMBKW03>");
  REQUIRE(m.trailers.size() == 1);
  CHECK(m.trailers[0].kind == "Tested-by");
  CHECK(m.trailers[0].value == "Zhang Lei <zhang.lei@jp.fujitsu.com >");
  CHECK(m.trailers[0].who.name == "Zhang Lei");
  CHECK(m.trailers[0].who.email == "zhang.lei@jp.fujitsu.com");
  // "Acked-by: Jason Wang <jasowang@redhat.com>" in a GBK reply
  m = Parse("kvmarm-oddities.mboxrd", "<b309c02d-9570-6400-9a0c-63030aed7ff7@redhat.com>");
  REQUIRE(m.trailers.size() == 1);
  CHECK(m.trailers[0].kind == "Acked-by");
  CHECK(m.trailers[0].who.name == "Jason Wang");
}

TEST_CASE("mime: two kvmarm messages share one Message-ID; both parse") {
  const std::string id =
      "63cf223058e7963891dcfb8cf0c5ccfe31548712.1589784221.git.ananos@nubificus.co.uk";
  const auto both = WithHeader("kvmarm-oddities.mboxrd", "Message-ID: <" + id + ">");
  REQUIRE(both.size() == 2);
  const Message first = mail::ParseMessage(both[0]);
  const Message second = mail::ParseMessage(both[1]);
  for (const Message* m : {&first, &second}) {
    CHECK(m->message_id == id);
    CHECK_FALSE(m->message_id_made_up);
    CHECK(m->in_reply_to == "cover.1589784221.git.ananos@nubificus.co.uk");
    CHECK(m->raw_subject == "[PATCH 2/2] KVMM: Memory and interface related changes");
    CHECK(m->from.email == "ananos@nubificus.co.uk");
    CHECK(m->diagnostics.empty());
  }
  CHECK(first.date == 1589785146);   // Mon, 18 May 2020 09:59:06 +0300
  CHECK(second.date == 1589785267);  // Mon, 18 May 2020 10:01:07 +0300
  CHECK(first.body == second.body);
  // FindMessage gives the first in file order.
  CHECK(mail::ParseMessage(testing::FindMessage(Mbox("kvmarm-oddities.mboxrd"), id)).date ==
        1589785146);
}

TEST_CASE("mime: a Message-Id: line in the body is not the message's id") {
  // A stable backport carries the original "Message-Id: <…vkuznets@redhat.com>" in its text.
  const Message m = Parse("kvmarm-oddities.mboxrd", "<20211123163630.289306-8-sashal@kernel.org>");
  CHECK(m.message_id == "20211123163630.289306-8-sashal@kernel.org");
  CHECK(Has(m.body, "\nMessage-Id: <20211116163443.88707-2-vkuznets@redhat.com>\n"));
}

TEST_CASE("mime: the first of two Message-ID headers is used") {
  const Message m = mail::ParseMessage(
      "From: A <a@example.org>\nSubject: twice\nMessage-ID: <first@example.org>\n"
      "Message-ID: <second@example.org>\n\ntext\n");
  CHECK(m.message_id == "first@example.org");
  CHECK_FALSE(m.message_id_made_up);
}

// --- Strings, no files ----------------------------------------------------------

TEST_CASE("mime: MakeValidUtf8") {
  CHECK(mail::MakeValidUtf8("plain ascii") == "plain ascii");
  CHECK(mail::MakeValidUtf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(mail::MakeValidUtf8("abc\xFF"
                            "def") == "abc" + kReplacement + "def");
  CHECK(mail::MakeValidUtf8(std::string("a\0b", 3)) == "a" + kReplacement + "b");
  CHECK(mail::MakeValidUtf8("cut \xC3") == "cut " + kReplacement);
  // A Latin-1 "é" alone is no UTF-8.
  CHECK(mail::MakeValidUtf8("caf\xE9") == "caf" + kReplacement);
  CHECK(mail::MakeValidUtf8("").empty());
}

TEST_CASE("mime: ParseAddress") {
  mail::Address a = mail::ParseAddress("\"Maciej S. Szmigiero\" <maciej.szmigiero@oracle.com>");
  CHECK(a.name == "Maciej S. Szmigiero");
  CHECK(a.email == "maciej.szmigiero@oracle.com");
  a = mail::ParseAddress("maz@kernel.org");
  CHECK(a.name.empty());
  CHECK(a.email == "maz@kernel.org");
  a = mail::ParseAddress("maz@kernel.org (Marc Zyngier)");
  CHECK(a.name == "Marc Zyngier");
  CHECK(a.email == "maz@kernel.org");
  a = mail::ParseAddress("  Dave Martin <Dave.Martin@arm.com>  ");
  CHECK(a.name == "Dave Martin");
  CHECK(a.email == "Dave.Martin@arm.com");  // case kept
  a = mail::ParseAddress("not an address");
  CHECK(a.name == "not an address");
  CHECK(a.email.empty());
}

TEST_CASE("mime: DigestExcerpt on strings") {
  SUBCASE("a cover letter without diffstat ends before the signature") {
    CHECK(mail::DigestExcerpt("Hi,\n\nThis series does things.\n\nThanks,\nMe\n\n-- \n2.39.0\n") ==
          "Hi,\n\nThis series does things.\n\nThanks,\nMe");
  }
  SUBCASE("a patch is cut right after the diffstat summary") {
    CHECK(mail::DigestExcerpt("From: A B <a@b.c>\n\nFix it.\n\nSigned-off-by: A B <a@b.c>\n---\n"
                              " x.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
                              "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n") ==
          "\nFix it.\n\nSigned-off-by: A B <a@b.c>\n---\n x.c | 2 +-\n"
          " 1 file changed, 1 insertion(+), 1 deletion(-)");
  }
  SUBCASE("without a diffstat the first diff ends it") {
    CHECK(mail::DigestExcerpt("Text then diff\n\ndiff --git a/x b/x\n+++ b/x\n") ==
          "Text then diff");
  }
  SUBCASE("a trailing space on the last text line is kept, blank lines go") {
    CHECK(mail::DigestExcerpt("Add AVEC support irqchip in kernel \n\n\n-- \n2.39\n") ==
          "Add AVEC support irqchip in kernel ");
  }
  SUBCASE("white space alone gives nothing") { CHECK(mail::DigestExcerpt("   \n\n").empty()); }
}

// ParseMessage hands GMime only the headers it reads (see
// DropUnreadHeaders); what it reads and what it warns about stays the same.
TEST_CASE("mime: headers listdigest does not read do not change what it reads") {
  const std::string kept =
      "From: A B <a@b.c>\nSubject: [PATCH] x: fix\nDate: Tue, 1 Feb 2022 10:00:00 +0000\n"
      "Message-ID: <1@b.c>\nIn-Reply-To: <0@b.c>\nReferences: <00@b.c>\n <0@b.c>\n"
      "MIME-Version: 1.0\nContent-Type: text/plain; charset=\"iso-8859-1\"\n"
      "Content-Transfer-Encoding: quoted-printable\n";
  const std::string unread =
      "Received: from x (x [1.2.3.4])\n\tby y; Tue, 1 Feb 2022 10:00:00 +0000\n"
      "To: =?UTF-8?Q?broken?=word <\nCc: a@b.c, , <<<>>>, \"unterminated\n"
      "X-Spam-Status: No\nDKIM-Signature: v=1; a=rsa-sha256;\n b=abc\n";
  const std::string body = "Caf=E9 is fixed.\n\nSigned-off-by: A B <a@b.c>\n";
  const Message plain = mail::ParseMessage(kept + "\n" + body);
  const Message noisy = mail::ParseMessage(unread + kept + "\n" + body);
  CHECK(noisy.message_id == "1@b.c");
  CHECK(noisy.in_reply_to == "0@b.c");
  CHECK(noisy.references == std::vector<std::string>{"00@b.c", "0@b.c"});
  CHECK(noisy.raw_subject == "[PATCH] x: fix");
  CHECK(noisy.from.email == "a@b.c");
  CHECK(noisy.date == 1643709600);
  CHECK(noisy.body == "Caf\xC3\xA9 is fixed.\n\nSigned-off-by: A B <a@b.c>\n");
  CHECK(noisy.body == plain.body);
  CHECK(noisy.trailers.size() == 1);
  // The broken addresses of To and Cc are nothing listdigest reads.
  CHECK(noisy.diagnostics.empty());
  CHECK(plain.diagnostics.empty());

  SUBCASE("a To, Cc or Reply-To that appears twice still reaches GMime, which notices") {
    const Message twice = mail::ParseMessage("To: a@b.c\nCc: x@y.z\n" + kept +
                                             "To: d@e.f\nReply-To: a@b.c\n\n" + body);
    CHECK(twice.message_id == "1@b.c");
    CHECK(twice.diagnostics == std::vector<std::string>{"duplicated To header"});
  }
  SUBCASE("a header block with a line that is no header goes to GMime whole") {
    const Message odd = mail::ParseMessage(
        "Received: x\nthis line is no header\n" + kept + "\n" + body);
    CHECK(odd.message_id == "1@b.c");
    CHECK(std::count(odd.diagnostics.begin(), odd.diagnostics.end(),
                     "a line among the headers is no header: \"this line is no header \"") == 1);
  }
}

}  // namespace
}  // namespace listdigest
